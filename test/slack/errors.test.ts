import { WebAPIPlatformError, WebAPIRequestError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { slackErrorSummary, slackFaultText } from '../../src/slack/errors.js';

const platform = (data: Record<string, unknown>) => new WebAPIPlatformError({ ok: false, ...data } as never);
const where = { apiUrl: 'https://slack.com/api/', tokenName: 'SLACK_BOT_TOKEN' };

describe('Slack errors in words', () => {
  it('a missing scope names the scope and the reinstall it needs, in logs and in the operator sentence', () => {
    const error = platform({ error: 'missing_scope', needed: 'users:read.email', provided: 'chat:write' });
    for (const text of [slackErrorSummary(error), slackFaultText(error, where)]) {
      expect(text).toBe(
        'the Slack app lacks the users:read.email scope (missing_scope): add it under OAuth & Permissions ' +
          '(or update the app from manifest.json) and reinstall the app to the workspace',
      );
    }
    expect(slackErrorSummary(platform({ error: 'missing_scope' }))).toContain('lacks a scope it needs (missing_scope)');
  });

  it('says which token is not valid, or where Slack could not be reached and why', () => {
    expect(slackFaultText(platform({ error: 'invalid_auth' }), where)).toBe(
      'SLACK_BOT_TOKEN is not valid (invalid_auth)',
    );
    expect(slackFaultText(platform({ error: 'token_revoked' }), { ...where, tokenName: 'SLACK_APP_TOKEN' })).toBe(
      'SLACK_APP_TOKEN is not valid (token_revoked)',
    );
    const refused = new WebAPIRequestError(
      Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
    );
    expect(slackFaultText(refused, where)).toBe('cannot reach Slack at https://slack.com/api/ (ECONNREFUSED)');
    const slow = new WebAPIRequestError(Object.assign(new Error('aborted'), { name: 'TimeoutError' }));
    expect(slackFaultText(slow, where)).toBe('cannot reach Slack at https://slack.com/api/ (timeout)');
    // Other codes stay codes in the log summary, as before.
    expect(slackErrorSummary(platform({ error: 'channel_not_found' }))).toBe('channel_not_found');
  });
});
