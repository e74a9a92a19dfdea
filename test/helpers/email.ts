import type { RunningService } from '../../src/main.js';
import { TEST_API_KEY } from './service.js';

export const EMAIL_REQUEST = {
  action_description: 'Delete the staging bucket',
  action_details: { bucket: 'staging-assets', objects: '1204' },
  recipient_email: 'ops@example.com',
};

export async function createPause(running: RunningService, extra: object = {}): Promise<string> {
  const res = await fetch(`${running.url}/v1/pauses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    body: JSON.stringify({ ...EMAIL_REQUEST, ...extra }),
  });
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { pause_id: string }).pause_id;
}

/** What the agent's check_approval sees, over REST. */
export async function agentView(running: RunningService, pauseId: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${running.url}/v1/pauses/${pauseId}`, {
    headers: { authorization: `Bearer ${TEST_API_KEY}` },
  });
  return (await res.json()) as Record<string, unknown>;
}

export function formKeyIn(html: string): string {
  const match = /name="form_key" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no form key on the page');
  return match[1];
}

/** Posts the decision form as a browser on PUBLIC_URL would. */
export function postDecision(
  link: string,
  form: Record<string, string>,
  headers: Record<string, string> = { origin: new URL(link).origin },
): Promise<Response> {
  return fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
}
