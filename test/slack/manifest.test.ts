import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

const schemaPath = new URL('./fixtures/slack-manifest-schema/manifest.schema.2.0.0.json', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8'));

describe('manifest.json', () => {
  it("validates against Slack's manifest schema (major version 2)", () => {
    // The vendored schema uses a non-standard "regex" keyword; declare it so strict mode accepts the schema.
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(manifest._metadata.major_version).toBe(2);
  });

  it('asks for the scopes posting, DMs, e-mail lookup, the command and channel membership need', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'chat:write',
        'im:write',
        'users:read',
        'users:read.email',
        'commands',
        'channels:read',
        'groups:read',
      ]),
    );
  });

  it('has /looppause, interactivity, App Home, and every request URL at PUBLIC_URL/slack/events', () => {
    const urls = [
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
      ...manifest.features.slash_commands.map((c: { url: string }) => c.url),
    ];
    for (const url of urls) expect(url).toBe('https://YOUR-PUBLIC-URL/slack/events');
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(['/looppause']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
  });
});
