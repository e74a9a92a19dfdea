import { asNumber, defineScript } from '../lua-scripts.js';
import { deliveryField } from '../pause-codec.js';
import type { DeliveryAudit } from '../ports/pauses.js';

export interface SetDeliveryInput {
  pauseId: string;
  /** The delivery key: `slack`, `email`, `email_remind_0`, … */
  key: string;
  state: unknown;
  audit?: DeliveryAudit | undefined;
}

/** lua/set-delivery-1.lua: records how a delivery went beside its pause, with its audit entry. 1 when recorded, 0 when the pause is gone. */
export const setDeliveryScript = defineScript({
  name: 'set-delivery',
  numKeys: 1,
  keys: (k, { pauseId }: SetDeliveryInput) => [k.pause(pauseId)] as const,
  args: (k, { pauseId, key, state, audit }: SetDeliveryInput) => [
    /* 1 */ pauseId,
    /* 2 */ deliveryField(key),
    /* 3 */ JSON.stringify(state),
    /* 4 */ audit?.atMs ?? Date.now(),
    /* 5 */ k.base,
    /* 6 */ audit?.type ?? '',
    /* 7 */ audit?.actor ?? '',
    /* 8 */ JSON.stringify(audit?.data ?? {}),
  ],
  reply: asNumber,
});
