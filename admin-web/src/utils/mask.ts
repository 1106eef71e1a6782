// Shows only as much of a buyer's openid as a merchant needs to tell buyers apart.
export function shortOpenid(openid: string | null | undefined): string {
  if (!openid) return '—';
  if (openid.length <= 10) return openid;
  return `${openid.slice(0, 6)}…${openid.slice(-4)}`;
}
