import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** Where a cursor may be used: one made for one list is refused by the other. */
type CursorUse = 'history' | 'waiting';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Page cursors as the dashboard hands them out. A store cursor names the position a read stopped
 * at (a creation time and a pause id), which may be a pause the viewer may not see: sealed with
 * AES-256-GCM under a key of the dashboard's own, it says nothing about it, and a cursor not made
 * here (or made for another list) opens to nothing.
 */
export class CursorSeal {
  private readonly key: Buffer;

  constructor(dashboardKey: Buffer) {
    this.key = createHmac('sha256', dashboardKey).update('page-cursor').digest();
  }

  seal(use: CursorUse, cursor: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(use));
    const body = Buffer.concat([cipher.update(cursor, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The cursor sealed in `sealed`, or undefined when it was not sealed here for this use. */
  open(use: CursorUse, sealed: string): string | undefined {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES)).setAAD(Buffer.from(use));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
