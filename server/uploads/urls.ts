// An upload's URL is its key: `/api/uploads/<id>`, the id random and unguessable (docs/api-shapes.md).

export const UPLOAD_PATH = '/api/uploads/';
const ID = /^[A-Za-z0-9_-]{16,64}$/;

export function uploadUrl(id: string): string {
  return `${UPLOAD_PATH}${id}`;
}

/** The upload id in one of our URLs (relative, or absolute on any host), or null. */
export function uploadIdOf(url: string): string | null {
  let path = url;
  if (/^https?:\/\//i.test(url)) {
    try {
      path = new URL(url).pathname;
    } catch {
      return null;
    }
  }
  if (!path.startsWith(UPLOAD_PATH)) return null;
  const id = path.slice(UPLOAD_PATH.length);
  return ID.test(id) ? id : null;
}
