// POST /api/mp/uploads: one evidence photo through wx.uploadFile (multipart, part `file`), with the bearer token.
import { getApiBaseUrl } from '../config';
import { ApiError, errorFromResponse, networkError } from './errors';
import { withBearer } from './request';

export interface UploadHooks {
  /** 0–100 as WeChat reports it; starts again from 0 if a 401 made us log in and send the photo again. */
  onProgress?: (percent: number) => void;
  /** Each attempt's task, so the page can abort an upload the buyer removed. */
  onTask?: (task: WechatMiniprogram.UploadTask) => void;
}

// A photo of up to 5 MB on a slow mobile uplink takes far longer than a JSON call.
const UPLOAD_TIMEOUT_MS = 60000;

// The upload's refusals say what is wrong with the photo, not with "the submitted information".
const PHOTO_MESSAGES: Record<number, string> = {
  400: '这张照片无法上传，请换一张 JPG、PNG 或 WebP 格式的照片',
  413: '照片超过 5 MB，请换一张',
};

function parseBody(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** Uploads the local file at `filePath` and resolves to its URL, to list in a refund request's `images`. */
export async function uploadImage(filePath: string, hooks: UploadHooks = {}): Promise<string> {
  const res = await withBearer(
    (authorization) =>
      new Promise<{ statusCode: number; data: unknown }>((resolve, reject) => {
        const task = wx.uploadFile({
          url: `${getApiBaseUrl()}/api/mp/uploads`,
          filePath,
          name: 'file',
          header: { Authorization: authorization },
          timeout: UPLOAD_TIMEOUT_MS,
          success: (r) => resolve({ statusCode: r.statusCode, data: parseBody(r.data) }),
          fail: (err) => reject(networkError(err.errMsg)),
        });
        if (task) {
          if (hooks.onProgress) task.onProgressUpdate((p) => hooks.onProgress?.(p.progress));
          hooks.onTask?.(task);
        }
      }),
  );
  const url = (res.data as { url?: unknown } | null)?.url;
  if (res.statusCode >= 200 && res.statusCode < 300 && typeof url === 'string') return url;
  const err = errorFromResponse(res.statusCode, res.data);
  const photoMessage = PHOTO_MESSAGES[res.statusCode];
  throw photoMessage ? new ApiError(err.code, photoMessage, err.statusCode, err.serverMessage) : err;
}
