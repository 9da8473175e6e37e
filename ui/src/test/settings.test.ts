import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import type { KeyStroke } from '../lib/api';
import { fakeRegister, onlineStatus, press, resetApp, session, typeKeys } from './harness';

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

const PIN = 'AB:'.repeat(31) + 'AB';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

async function openEnroll(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handlers: Record<string, (args: any) => unknown>,
  enrolled: boolean,
  labels = ['HQ address', 'Enrollment token'],
) {
  const reg = fakeRegister({
    printer_status: () => ({ summary: 'ok', drawer_open: false }),
    status: () => ({ ...onlineStatus, online: enrolled ? true : null }),
    ...handlers,
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F3');
  const form = await screen.findByTestId('enroll-form');
  await fireEvent.input(within(form).getByLabelText(labels[0]), { target: { value: ' https://hq.example ' } });
  await fireEvent.input(within(form).getByLabelText(labels[1]), { target: { value: 'T-1' } });
  return { reg, form };
}

test('enroll: the trust choice sends a CA pasted, or a pin with colons; a bad pin is refused before asking', async () => {
  const { reg, form } = await openEnroll({ enroll: () => session() }, false);
  await waitFor(() => expect(within(form).getByRole('button', { name: 'Enroll with HQ' })).toBeInTheDocument());
  expect(within(form).queryByLabelText(/SHA-256 of HQ/)).not.toBeInTheDocument();

  await fireEvent.click(within(form).getByLabelText('A pinned certificate (SHA-256)'));
  const pin = within(form).getByLabelText("SHA-256 of HQ's certificate");
  await fireEvent.input(pin, { target: { value: 'AB:CD' } });
  await fireEvent.click(within(form).getByRole('button', { name: 'Enroll with HQ' }));
  expect(await within(form).findByRole('alert')).toHaveTextContent('The pin must be 64 hex digits');
  expect(reg.commands()).not.toContain('enroll');

  await fireEvent.input(pin, { target: { value: PIN } });
  await fireEvent.click(within(form).getByRole('button', { name: 'Enroll with HQ' }));
  await waitFor(() =>
    expect(reg.argsOf('enroll')).toEqual([
      { hq: 'https://hq.example', token: 'T-1', trust: { kind: 'pin', sha256: 'ab'.repeat(32) } },
    ]),
  );
  expect(await screen.findByTestId('notice')).toHaveTextContent('Register enrolled with HQ');

  await fireEvent.click(within(form).getByLabelText('A company CA certificate'));
  await fireEvent.input(within(form).getByLabelText('Enrollment token'), { target: { value: 'T-2' } });
  await fireEvent.click(within(form).getByRole('button', { name: 'Enroll with HQ' }));
  expect(await within(form).findByRole('alert')).toHaveTextContent('Paste the CA certificate');
  await fireEvent.input(within(form).getByLabelText('CA certificate (PEM): paste it here'), { target: { value: CA } });
  await fireEvent.click(within(form).getByRole('button', { name: 'Enroll with HQ' }));
  await waitFor(() => expect(reg.argsOf('enroll')[1]).toEqual({ hq: 'https://hq.example', token: 'T-2', trust: { kind: 'ca', pem: CA } }));
});

test('enroll: a CA certificate can be read from a file', async () => {
  const { reg, form } = await openEnroll({ enroll: () => session() }, false);
  await fireEvent.click(within(form).getByLabelText('A company CA certificate'));
  const file = new File([CA], 'hq-ca.pem', { type: 'application/x-pem-file' });
  await fireEvent.change(within(form).getByLabelText('… or read it from a file'), { target: { files: [file] } });
  await waitFor(() => expect(within(form).getByLabelText('CA certificate (PEM): paste it here')).toHaveValue(CA));
  await fireEvent.click(within(form).getByRole('button', { name: 'Enroll with HQ' }));
  await waitFor(() => expect(reg.argsOf('enroll')).toEqual([{ hq: 'https://hq.example', token: 'T-1', trust: { kind: 'ca', pem: CA } }]));
});

test('enroll again: an enrolled register asks for a confirmation, then sends re_enroll; going back sends nothing', async () => {
  const { reg, form } = await openEnroll({ enroll: () => session() }, true);
  const again = await within(form).findByRole('button', { name: 'Enroll again' });
  await fireEvent.click(again);
  let confirm = await screen.findByTestId('re-enroll-confirm');
  expect(confirm).toHaveTextContent('Enrolling again moves it to https://hq.example');
  await fireEvent.click(within(confirm).getByRole('button', { name: /Back/ }));
  await waitFor(() => expect(screen.queryByTestId('re-enroll-confirm')).not.toBeInTheDocument());
  expect(reg.commands()).not.toContain('enroll');

  await fireEvent.click(again);
  confirm = await screen.findByTestId('re-enroll-confirm');
  await fireEvent.click(within(confirm).getByRole('button', { name: 'Enroll again' }));
  await waitFor(() =>
    expect(reg.argsOf('enroll')).toEqual([
      { hq: 'https://hq.example', token: 'T-1', trust: { kind: 'system' }, reEnroll: true },
    ]),
  );
});

test.each([
  ['untrusted_hq', "HQ's certificate is not trusted by the choice made here"],
  ['insecure', 'This address is refused: use https://'],
  ['permission', 'Only a manager may enroll this register'],
])('enroll: the refusal %s is said by its code', async (code, said) => {
  const { form } = await openEnroll(
    {
      enroll: () => {
        throw { code, message: 'the register said so' };
      },
    },
    false,
  );
  await fireEvent.click(within(form).getByRole('button', { name: 'Enroll with HQ' }));
  const alert = await within(form).findByRole('alert');
  expect(alert).toHaveTextContent(said);
  expect(alert).toHaveTextContent('the register said so');
});

test('enroll: refusals in Dutch on a Dutch register', async () => {
  const { form } = await openEnroll(
    {
      session: () => session({ locale: 'nl-NL' }),
      enroll: () => {
        throw { code: 'untrusted_hq', message: 'certificate unknown' };
      },
    },
    false,
    ['Adres hoofdkantoor', 'Aanmeldcode'],
  );
  await fireEvent.click(within(form).getByRole('button', { name: 'Aanmelden bij hoofdkantoor' }));
  expect(await within(form).findByRole('alert')).toHaveTextContent(
    'Het certificaat van het hoofdkantoor wordt met deze keuze niet vertrouwd',
  );
});

test('enroll: a register enrolled after all (already_enrolled) asks for the confirmation instead of failing', async () => {
  const { reg, form } = await openEnroll(
    {
      enroll: ({ reEnroll }: { reEnroll?: boolean }) => {
        if (!reEnroll) throw { code: 'already_enrolled', message: 'already enrolled with https://old.example' };
        return session();
      },
    },
    false,
  );
  await fireEvent.click(within(form).getByRole('button', { name: 'Enroll with HQ' }));
  const confirm = await screen.findByTestId('re-enroll-confirm');
  expect(within(form).queryByRole('alert')).not.toBeInTheDocument();
  await fireEvent.click(within(confirm).getByRole('button', { name: 'Enroll again' }));
  await waitFor(() => expect(reg.argsOf('enroll').map((a) => a.reEnroll)).toEqual([undefined, true]));
});

const localConfig = {
  version: 'local-1',
  source: 'local',
  effective: '',
  made_by: '',
  reason: 'the configuration given to till init',
  enrolled: false,
  text: 'store = "AMS-01"\n',
  values: [{ key: 'store', value: '"AMS-01"' }],
  pending: [],
  set_aside: [],
};

test('store configuration: the version in force, an edit as the next version, refusals in the service words', async () => {
  const reg = fakeRegister({
    printer_status: () => ({ summary: 'ok', drawer_open: false }),
    config_show: () => localConfig,
    config_set: ({ edits }: { edits: string[] }) => {
      if (edits.includes('tax_classes.standard=9')) {
        throw { code: 'owned_by_hq', message: 'this register is enrolled with HQ (https://hq), which owns its configuration' };
      }
      return { ...localConfig, version: 'local-2', effective: '2026-11-27T10:15:00Z', made_by: '1' };
    },
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F3');
  expect(await screen.findByTestId('config-version')).toHaveTextContent('local-1');
  expect(screen.getByTestId('config-source')).toHaveTextContent('edited at this register');
  expect(screen.getByTestId('config-since')).toHaveTextContent('the register was created');

  await fireEvent.input(screen.getByTestId('config-edits'), {
    target: { value: 'receipt.width=48\n\nreturns.window_days=14\n' },
  });
  await fireEvent.input(screen.getByTestId('config-reason'), { target: { value: 'new paper' } });
  await fireEvent.click(screen.getByTestId('config-save'));
  expect(await screen.findByTestId('notice')).toHaveTextContent('Configuration local-2 in force');
  expect(screen.getByTestId('config-version')).toHaveTextContent('local-2');
  expect(reg.argsOf('config_set')).toEqual([
    { edits: ['receipt.width=48', 'returns.window_days=14'], reason: 'new paper', approvals: [] },
  ]);

  await fireEvent.input(screen.getByTestId('config-edits'), { target: { value: 'tax_classes.standard=9' } });
  await fireEvent.click(screen.getByTestId('config-save'));
  expect(await screen.findByTestId('config-error')).toHaveTextContent('enrolled with HQ');
});
