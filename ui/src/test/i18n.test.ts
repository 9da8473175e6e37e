import { render, screen, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { messages } from '../lib/messages';
import { cart, fakeRegister, line, resetApp, session } from './harness';

beforeEach(resetApp);

test('locale nl-NL shows Dutch strings on sign-in', async () => {
  fakeRegister({ session: () => session({ locale: 'nl-NL', operator: null }) });
  render(App);
  expect(await screen.findByRole('heading', { name: 'Aanmelden' })).toBeInTheDocument();
  expect(screen.getByLabelText('Personeelscode')).toBeInTheDocument();
  expect(screen.getByLabelText('Pincode')).toBeInTheDocument();
  expect(screen.getByTestId('status-bar')).toHaveTextContent('0 niet gesynchroniseerd');
  expect(screen.queryByText('Sign in')).not.toBeInTheDocument();
  expect(document.documentElement.lang).toBe('nl');
});

test('locale nl-NL: Dutch sell screen and Dutch money', async () => {
  fakeRegister({
    session: () => session({ locale: 'nl-NL' }),
    cart: () =>
      cart([line({ name: 'Stroopwafels', unit_price: '1234.50', total: '1234.50' })], '1234.50', {
        tax_total: '101.93',
      }),
  });
  render(App);
  const total = await screen.findByTestId('total');
  await screen.findAllByTestId('cart-line');
  expect(total).toHaveTextContent(/^€\s1\.234,50$/);
  expect(screen.getByTestId('pay')).toHaveTextContent('Afrekenen');
  expect(screen.getByText('Totaal')).toBeInTheDocument();
  expect(screen.getByText('Btw')).toBeInTheDocument();
  expect(within(screen.getByRole('navigation', { name: 'Acties' })).getByText(/Parkeren/)).toBeInTheDocument();
});

test('an unknown language falls back to English', async () => {
  fakeRegister({ session: () => session({ locale: 'xx-YY', operator: null }) });
  render(App);
  expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
});

test('every locale has every message and the same placeholders', () => {
  const keys = Object.keys(messages.en).sort();
  for (const [lang, catalog] of Object.entries(messages)) {
    expect(Object.keys(catalog).sort(), lang).toEqual(keys);
    for (const k of keys) {
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(ph((catalog as Record<string, string>)[k]), `${lang} ${k}`).toEqual(
        ph((messages.en as Record<string, string>)[k]),
      );
    }
  }
});
