import { render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import App from '../App.svelte';
import { cart, fakeRegister, line, resetApp, session } from './harness';

beforeEach(resetApp);
afterEach(() => vi.useRealTimers());

test('idle for the configured minutes locks: signOut is called and sign-in shows; the cart is kept', async () => {
  localStorage.setItem('till.idleMinutes', '2');
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  const reg = fakeRegister({
    cart: () => cart([line()], '1.29'),
    sign_out: () => null,
    sign_in: ({ code }) => ({ code, name: 'Anna', role: 'cashier' }),
  });
  render(App);
  await screen.findAllByTestId('cart-line');

  vi.advanceTimersByTime(60_000);
  expect(reg.commands()).not.toContain('sign_out');
  vi.advanceTimersByTime(65_000);
  expect(await screen.findByTestId('signin')).toBeInTheDocument();
  expect(reg.argsOf('sign_out')).toEqual([{}]);
  expect(reg.commands()).not.toContain('cancel_cart');
});

test('Ctrl+L locks at once', async () => {
  const reg = fakeRegister({ sign_out: () => null, session: () => session() });
  render(App);
  await screen.findByTestId('scan-input');
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'l', ctrlKey: true }));
  await waitFor(() => expect(screen.getByTestId('signin')).toBeInTheDocument());
  expect(reg.commands()).toContain('sign_out');
});
