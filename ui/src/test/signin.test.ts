import { render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { cart, fakeRegister, resetApp, session, typeKeys } from './harness';

beforeEach(resetApp);

test('a wrong PIN shows the message the command rejected with; the right one opens the till', async () => {
  let attempts = 0;
  const reg = fakeRegister({
    session: () => session({ operator: null }),
    sign_in: ({ code, pin }) => {
      attempts++;
      if (pin !== '2468') throw { code: 'sign_in', message: `Wrong PIN for staff ${code}` };
      return { code, name: 'Anna', role: 'cashier' };
    },
    cart: () => cart(),
  });
  render(App);

  const code = await screen.findByTestId('staff-code');
  expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  await typeKeys(code, '1001{Enter}');
  const pin = screen.getByTestId('pin');
  expect(pin).toHaveFocus();
  await typeKeys(pin, '0000{Enter}');

  expect(await screen.findByRole('alert')).toHaveTextContent('Wrong PIN for staff 1001');
  expect(reg.argsOf('sign_in')).toEqual([{ code: '1001', pin: '0000' }]);
  expect(screen.queryByTestId('scan-input')).not.toBeInTheDocument();
  expect(pin).toHaveValue('');

  await typeKeys(pin, '2468{Enter}');
  expect(await screen.findByTestId('scan-input')).toBeInTheDocument();
  expect(reg.argsOf('sign_in')[1]).toEqual({ code: '1001', pin: '2468' });
  expect(attempts).toBe(2);
  await waitFor(() => expect(reg.commands()).toContain('cart'));
});

test('the on-screen keypad types the PIN', async () => {
  const reg = fakeRegister({
    session: () => session({ operator: null }),
    sign_in: ({ code }) => ({ code, name: 'Anna', role: 'cashier' }),
  });
  render(App);
  const code = await screen.findByTestId('staff-code');
  await typeKeys(code, '1001{Enter}');
  for (const d of ['1', '3', '5', '7']) screen.getByRole('button', { name: d }).click();
  screen.getByRole('button', { name: '↵' }).click();
  await screen.findByTestId('scan-input');
  expect(reg.argsOf('sign_in')).toEqual([{ code: '1001', pin: '1357' }]);
});
