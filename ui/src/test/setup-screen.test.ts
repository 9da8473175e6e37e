import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { fakeRegister, resetApp, session } from './harness';

beforeEach(resetApp);

test('first start: "Create a demo register" creates one and goes to sign-in', async () => {
  const reg = fakeRegister({
    session: () => session({ needs_setup: true, operator: null, store: null, register: null }),
    create_demo_register: () => session({ operator: null, locale: 'nl-NL' }),
  });
  render(App);
  await fireEvent.click(await screen.findByRole('button', { name: 'Create a demo register' }));
  expect(await screen.findByRole('heading', { name: 'Aanmelden' })).toBeInTheDocument();
  expect(reg.argsOf('create_demo_register')).toEqual([{}]);
});

test('first start: enrolling while HQ is offline shows why', async () => {
  const reg = fakeRegister({
    session: () => session({ needs_setup: true, operator: null }),
    enroll: () => {
      throw { code: 'offline', message: 'connection refused' };
    },
  });
  render(App);
  await screen.findByTestId('setup');
  await fireEvent.input(screen.getByLabelText('HQ address'), { target: { value: 'https://hq.example' } });
  await fireEvent.input(screen.getByLabelText('Enrollment token'), { target: { value: 'T-123' } });
  await fireEvent.click(screen.getByRole('button', { name: 'Enroll with HQ' }));
  expect(await screen.findByRole('alert')).toHaveTextContent('HQ cannot be reached. connection refused');
  expect(reg.argsOf('enroll')).toEqual([{ hq: 'https://hq.example', token: 'T-123', trust: { kind: 'system' } }]);
});
