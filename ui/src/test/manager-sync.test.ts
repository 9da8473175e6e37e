import { render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { fakeRegister, press, resetApp, session, xReport as emptyX } from './harness';

beforeEach(resetApp);

const manager = { code: '9001', name: 'Mia', role: 'manager' };
const xReport = () => emptyX('', [], []);

const status = (over: Record<string, unknown> = {}) => ({
  enrolled: true,
  hq: 'http://hq.example:8080',
  online: true,
  last_success: '2026-03-02T09:15:00Z',
  last_attempt: '2026-03-02T09:15:00Z',
  last_error: null,
  pending_sales: 3,
  oldest_pending_at: '2026-03-02T09:05:00Z',
  oldest_pending_age_seconds: 600,
  catalog_version: '4',
  pickup_key_alert: null,
  quarantined: [],
  ...over,
});

async function openSyncTab() {
  render(App);
  await screen.findByTestId('scan-input');
  await press('F10');
  await screen.findByTestId('manager');
  await press('s');
  return screen.findByTestId('sync');
}

test('the Sync tab shows the status and HQ open conflicts of this store; Refresh asks again', async () => {
  let conflicts = [
    {
      kind: 'clock_skew',
      subject: 'AMS-01/R1@2026-03-02',
      register: 'R1',
      detail: 'register clock 2020-01-01T00:00:00Z is -190000000 s off',
      needs: 'set the register clock right (NTP)',
      raised_at: '2026-03-02T09:15:00Z',
    },
  ];
  const reg = fakeRegister({
    session: () => session({ operator: manager }),
    x_report: xReport,
    sync_status: () => status(),
    hq_conflicts: () => conflicts,
  });
  await openSyncTab();
  expect(await screen.findByTestId('sync-online')).toHaveTextContent('Online');
  expect(screen.getByTestId('sync-pending')).toHaveTextContent('3 (oldest 10 min ago)');
  expect(screen.getByTestId('sync-catalog')).toHaveTextContent('HQ version 4');
  expect(screen.getByTestId('sync-status')).toHaveTextContent('http://hq.example:8080');
  expect(screen.queryByTestId('sync-last-error')).toBeNull();
  expect(screen.queryByTestId('sync-key-alert')).toBeNull();
  const rows = await screen.findAllByTestId('sync-conflict');
  expect(rows).toHaveLength(1);
  expect(rows[0]).toHaveTextContent('clock_skew');
  expect(rows[0]).toHaveTextContent('AMS-01/R1@2026-03-02');
  expect(rows[0]).toHaveTextContent('set the register clock right (NTP)');

  conflicts = [];
  screen.getByRole('button', { name: 'Refresh' }).click();
  await waitFor(() => expect(screen.queryAllByTestId('sync-conflict')).toHaveLength(0));
  expect(screen.getByTestId('sync-conflicts')).toHaveTextContent('No open conflicts at HQ for this store.');
  expect(reg.argsOf('hq_conflicts')).toHaveLength(2);
  expect(reg.argsOf('sync_status')).toHaveLength(2);
});

test('offline, the Sync tab says conflicts are listed at HQ instead of an error', async () => {
  fakeRegister({
    session: () => session({ operator: manager }),
    x_report: xReport,
    sync_status: () =>
      status({ online: false, last_error: 'HQ out of reach: connection refused', catalog_version: null }),
    hq_conflicts: () => {
      throw { code: 'offline', message: 'HQ http://hq.example:8080 out of reach' };
    },
  });
  const tab = await openSyncTab();
  expect(await within(tab).findByTestId('sync-conflicts-offline')).toHaveTextContent(
    'HQ out of reach — conflicts are listed at HQ',
  );
  expect(screen.getByTestId('sync-online')).toHaveTextContent('Offline');
  expect(screen.getByTestId('sync-last-error')).toHaveTextContent('connection refused');
  expect(screen.getByTestId('sync-catalog')).toHaveTextContent("this register's own");
  expect(screen.queryByRole('alert')).toBeNull();
});

test('not enrolled, the Sync tab says how to enroll and asks HQ nothing', async () => {
  const reg = fakeRegister({
    session: () => session({ operator: manager }),
    x_report: xReport,
    sync_status: () => status({ enrolled: false, hq: null, online: false }),
  });
  await openSyncTab();
  expect(await screen.findByTestId('sync-not-enrolled')).toHaveTextContent('Settings (F3)');
  expect(reg.commands()).not.toContain('hq_conflicts');
});

test('a refused change of HQ pickup key is shown on the Sync tab', async () => {
  fakeRegister({
    session: () => session({ operator: manager }),
    x_report: xReport,
    sync_status: () =>
      status({
        pickup_key_alert:
          "2026-03-02T09:15:00Z: HQ's answer offered pickup key 8f1c in place of 2b7e without the held key's signature; the register kept its key. Someone may be intercepting the link to HQ.",
      }),
    hq_conflicts: () => [],
  });
  await openSyncTab();
  const alert = await screen.findByTestId('sync-key-alert');
  expect(alert).toHaveTextContent('the register kept its key');
  expect(screen.getByText('Pickup key change refused')).toBeTruthy();
});

test('the Sync tab names each document a round set aside, with whom and why', async () => {
  fakeRegister({
    session: () => session({ operator: manager }),
    x_report: xReport,
    sync_status: () =>
      status({
        quarantined: [
          {
            doc: 'order/AMS-01/o1234',
            side: 'hq',
            reason: "this register's copy: document order/AMS-01/o1234, note: not a part of an order document",
            since: '2026-03-02T09:10:00Z',
            at: '2026-03-02T09:15:00Z',
          },
        ],
      }),
    hq_conflicts: () => [],
  });
  await openSyncTab();
  const rows = await screen.findAllByTestId('sync-quarantined-doc');
  expect(rows).toHaveLength(1);
  expect(rows[0]).toHaveTextContent('order/AMS-01/o1234');
  expect(rows[0]).toHaveTextContent('not a part of an order document');
  expect(screen.getByTestId('sync')).toHaveTextContent('Documents set aside');
});
