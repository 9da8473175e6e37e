import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import type { KeyStroke } from '../lib/api';
import { fakeRegister, press, resetApp, session, typeKeys } from './harness';

beforeEach(resetApp);

test('settings: data directory, version, printer status and test, scanner test shows the classification', async () => {
  const reg = fakeRegister({
    printer_status: () => ({ summary: 'TM-T20III ready', drawer_open: false }),
    printer_test: () => null,
    classify_keys: ({ keys }: { keys: KeyStroke[] }) => [
      { kind: 'scanned', text: keys.filter((k) => k.key.length === 1).map((k) => k.key).join('') },
    ],
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F3');

  expect(await screen.findByTestId('data-dir')).toHaveTextContent('/var/lib/till');
  expect(screen.getByTestId('version')).toHaveTextContent('0.1.0');
  expect(await screen.findByTestId('printer-summary')).toHaveTextContent('TM-T20III ready');

  await fireEvent.click(screen.getByRole('button', { name: 'Print test page' }));
  await waitFor(() => expect(reg.commands()).toContain('printer_test'));
  expect(await screen.findByTestId('notice')).toHaveTextContent('Test page sent to the printer');

  const field = screen.getByTestId('scanner-test-input');
  await typeKeys(field, '8710398527004{Enter}');
  const result = await screen.findByTestId('scanner-result');
  expect(result).toHaveTextContent('Scanned');
  expect(result).toHaveTextContent('8710398527004');
  expect(field).toHaveValue('8710398527004'); // the test leaves it where it landed
  expect(reg.commands()).not.toContain('scan');
});

test('the idle minutes are saved', async () => {
  fakeRegister({ printer_status: () => ({ summary: 'ok', drawer_open: false }) });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F3');
  const idle = await screen.findByTestId('idle-minutes');
  expect(idle).toHaveValue(5);
  await fireEvent.input(idle, { target: { value: '10' } });
  await fireEvent.change(idle);
  expect(localStorage.getItem('till.idleMinutes')).toBe('10');
});

test('kiosk: leaving kiosk mode asks a manager and sends the approval', async () => {
  const reg = fakeRegister({
    session: () => session({ kiosk: true }),
    printer_status: () => ({ summary: 'ok', drawer_open: false }),
    exit_kiosk: ({ approvals }: { approvals: string[] }) => {
      if (approvals.length === 0) throw { code: 'permission', message: 'Leaving kiosk mode needs a manager' };
      return null;
    },
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F3');
  await fireEvent.click(await screen.findByTestId('exit-kiosk'));
  const prompt = await screen.findByTestId('approval');
  expect(prompt).toHaveTextContent('Leaving kiosk mode needs a manager');
  await typeKeys(within(prompt).getByTestId('approval-code'), '9001{Enter}');
  await typeKeys(within(prompt).getByTestId('approval-pin'), '1111{Enter}');
  await waitFor(() => expect(reg.argsOf('exit_kiosk')).toEqual([{ approvals: [] }, { approvals: ['9001:1111'] }]));
});
