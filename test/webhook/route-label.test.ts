import { describe, expect, it } from 'vitest';
import { routeLabel } from '../../src/metrics.js';

describe('routeLabel for /v1/webhooks', () => {
  it('labels each admin route by its pattern, never by an endpoint id', () => {
    expect(routeLabel('/v1/webhooks')).toBe('/v1/webhooks');
    expect(routeLabel('/v1/webhooks/dead-letters')).toBe('/v1/webhooks/dead-letters');
    expect(routeLabel('/v1/webhooks/redrive')).toBe('/v1/webhooks/redrive');
    expect(routeLabel('/v1/webhooks/whe_0123456789abcdefghij')).toBe('/v1/webhooks/:id');
    expect(routeLabel('/v1/webhooks/whe_0123456789abcdefghij/rotate-secret')).toBe('/v1/webhooks/:id/rotate-secret');
    expect(routeLabel('/v1/webhooks/whe_0123456789abcdefghij/enable')).toBe('/v1/webhooks/:id/enable');
  });
});
