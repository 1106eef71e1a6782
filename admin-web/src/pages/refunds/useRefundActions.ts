// The merchant's decisions on a refund, shared by the queue and the detail page: approve (confirm with the
// amount), reject a request or refuse returned goods (reason required, through RejectDialog), confirm receipt
// of returned goods, retry a failed one, send an abnormal one (the buyer's card cannot take the money) to the
// merchant's bank card. A 409 means someone else moved the refund first; a 403 that this
// person may not (their role, or a SERVICE approval limit lowered since the page loaded): say which, and reload.
import { ref } from 'vue';
import { ElMessage, ElMessageBox } from 'element-plus';
import { approveRefund, receiveReturn, refuseReturn, rejectRefund, retryRefund, settleAbnormalRefund } from '../../api/refunds';
import { ApiError } from '../../api/http';
import type { Refund } from '../../api/types';
import { useI18n } from '../../i18n/useI18n';
import { formatFen } from '../../utils/money';
import { errorMessage, isRoleRefusal } from '../../utils/errors';

type RefundRef = Pick<Refund, 'refundNo' | 'amountFen' | 'actions'>;
/** reject: a request (REQUESTED); refuse: returned goods (RETURN_SHIPPED) */
export type DeclineKind = 'reject' | 'refuse';

export function useRefundActions(reload: () => Promise<unknown>) {
  const { t } = useI18n();
  const busy = ref<string | null>(null); // refundNo being changed
  const rejectTarget = ref<RefundRef | null>(null);
  const rejectKind = ref<DeclineKind>('reject');

  async function run(refundNo: string, call: () => Promise<unknown>, done: string): Promise<boolean> {
    busy.value = refundNo;
    try {
      await call();
      ElMessage.success(done);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        ElMessage({ type: 'warning', message: t('action.conflict', { message: error.message }), duration: 6000 });
      } else if (isRoleRefusal(error)) {
        ElMessage({ type: 'warning', message: t('action.notAllowed', { message: errorMessage(error) }), duration: 8000, customClass: 'role-refusal' });
      } else if (!(error instanceof ApiError && error.status === 401)) {
        ElMessage.error(t('action.failed', { message: errorMessage(error) }));
      }
      return false;
    } finally {
      busy.value = null;
      await reload().catch(() => undefined);
    }
  }

  async function confirm(title: string, message: string, button: string): Promise<boolean> {
    try {
      await ElMessageBox.confirm(message, title, {
        confirmButtonText: button,
        cancelButtonText: t('common.cancel'),
        type: 'warning',
        customClass: 'refund-confirm',
      });
      return true;
    } catch {
      return false;
    }
  }

  async function approve(refund: RefundRef): Promise<void> {
    const amount = formatFen(refund.amountFen);
    if (!(await confirm(t('action.approveTitle'), t('action.approveConfirm', { amount }), t('action.approveButton')))) return;
    await run(refund.refundNo, () => approveRefund(refund.refundNo), t('action.approved'));
  }

  async function retry(refund: RefundRef): Promise<void> {
    const amount = formatFen(refund.amountFen);
    if (!(await confirm(t('action.retryTitle'), t('action.retryConfirm', { amount }), t('action.retryButton')))) return;
    await run(refund.refundNo, () => retryRefund(refund.refundNo), t('action.retried'));
  }

  /** The money goes to the merchant's bank card, and the merchant owes the buyer: said before anything is sent. */
  async function settleAbnormal(refund: RefundRef): Promise<void> {
    const amount = formatFen(refund.amountFen);
    if (!(await confirm(t('action.settleAbnormalTitle'), t('action.settleAbnormalConfirm', { amount }), t('action.settleAbnormalButton')))) return;
    await run(
      refund.refundNo,
      async () => {
        const after = await settleAbnormalRefund(refund.refundNo);
        // WeChat refused it for good: a 200 with the refund FAILED again, under WeChat's code
        if (after.status === 'FAILED') {
          throw new Error(t('action.settleAbnormalRefused', { code: after.failCode ?? '—', reason: after.failReason ?? '' }));
        }
      },
      t('action.settledAbnormal'),
    );
  }

  async function receive(refund: RefundRef): Promise<void> {
    const amount = formatFen(refund.amountFen);
    if (!(await confirm(t('action.receiveTitle'), t('action.receiveConfirm', { amount }), t('action.receiveButton')))) return;
    await run(refund.refundNo, () => receiveReturn(refund.refundNo), t('action.received'));
  }

  function startReject(refund: RefundRef, kind: DeclineKind = 'reject'): void {
    rejectKind.value = kind;
    rejectTarget.value = refund;
  }

  /** Called by RejectDialog with the final reason; closes the dialog whatever the outcome. */
  async function submitReject(reason: string): Promise<void> {
    const target = rejectTarget.value;
    if (!target) return;
    rejectTarget.value = null;
    if (rejectKind.value === 'refuse') {
      await run(target.refundNo, () => refuseReturn(target.refundNo, reason), t('action.refused'));
    } else {
      await run(target.refundNo, () => rejectRefund(target.refundNo, reason), t('action.rejected'));
    }
  }

  return { busy, rejectTarget, rejectKind, approve, retry, settleAbnormal, receive, startReject, submitReject };
}
