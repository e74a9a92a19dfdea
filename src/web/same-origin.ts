import type { Request } from 'express';

/**
 * Whether a POST names this service as its origin: Origin, or else Referer, must be PUBLIC_URL's
 * origin. A POST that sends neither is refused, unless `allowMissing`.
 *
 * `allowMissing` is the e-mail decision page's rule. What authorises its POST is the token in the
 * URL and the form key derived from it, which a forged cross-site post cannot know; the origin
 * check is a second line. Refusing a POST with neither header would shut out a recipient whose
 * browser sends neither (older browsers send no Origin on a same-origin POST, and privacy settings
 * or extensions strip Referer) and gain nothing. The dashboard does not allow it: its POSTs are
 * authorised by a session cookie, which is what a forged post would ride on.
 */
export function sameOrigin(req: Request, publicUrl: string, options: { allowMissing?: boolean } = {}): boolean {
  const expected = new URL(publicUrl).origin;
  const origin = req.headers.origin;
  if (typeof origin === 'string') return origin === expected;
  const referer = req.headers.referer;
  if (typeof referer !== 'string') return options.allowMissing === true;
  try {
    return new URL(referer).origin === expected;
  } catch {
    return false;
  }
}
