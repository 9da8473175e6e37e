import { render, screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { cart, fakeRegister, line, resetApp } from './harness';

beforeEach(resetApp);

test('the status bar shows offline and the unsynced count from a pushed status event', async () => {
  const reg = fakeRegister();
  render(App);
  const bar = await screen.findByTestId('status-bar');
  await waitFor(() => expect(within(bar).getByTestId('status-online')).toHaveTextContent('Online'));
  expect(reg.commands()).toContain('status');

  // The Rust background task pushes `status`; the listener may still be registering.
  await waitFor(async () => {
    await emit('status', {
      online: false,
      pending_sales: 3,
      oldest_pending_age_seconds: 420,
      last_sync: null,
      printer: 'paper low',
    });
    expect(within(bar).getByTestId('status-online')).toHaveTextContent('Offline');
  });
  expect(within(bar).getByTestId('status-pending')).toHaveTextContent('3 unsynced');
  expect(within(bar).getByTestId('status-pending')).toHaveTextContent('oldest 7 min');
  expect(within(bar).getByTestId('status-printer')).toHaveTextContent('paper low');
});

test('a serial scanner event is scanned on the sell screen', async () => {
  const reg = fakeRegister({
    scan: () => ({ cart: cart([line()], '1.29'), warnings: [] }),
  });
  render(App);
  await screen.findByTestId('scan-input');
  await waitFor(async () => {
    await emit('scanner', { code: '8710398527004' });
    expect(reg.argsOf('scan').length).toBeGreaterThan(0);
  });
  expect(reg.argsOf('scan')[0]).toEqual({ code: '8710398527004' });
  expect(await screen.findAllByTestId('cart-line')).toHaveLength(1);
});
