/**
 * The payment-order data of a payment as the verified log holds it: the
 * payment's state and the contract version its evaluation cites, handed to
 * the pure paymentOrder (domain/payments/payment-order.ts), which refuses a
 * payment not approved (409). Read by `GET .../payments/{payment}/order` and
 * `sib ministry payment-order`.
 */
import { registeredVersions } from '#contracts';
import { IntegrityError, NotFoundError, type WordsLang } from '#kernel';
import { checkContractId, findPayment, type PaymentOrderData, paymentOrder, paymentStates } from '#payments';
import { readVerifiedEntries } from './log-reader.ts';
import type { ContractPorts } from './ports.ts';

/** The payment-order data of payment `payment` (the seq of its evaluation entry) of `contract`, in `lang`. */
export async function readPaymentOrder(
  ports: Pick<ContractPorts, 'log'>,
  contract: string,
  payment: number,
  lang: WordsLang,
): Promise<PaymentOrderData> {
  checkContractId(contract);
  const size = await ports.log.size(contract);
  if (size === 0) throw new NotFoundError(`contract ${contract} has no log (register it first)`);
  const { entries } = await readVerifiedEntries(ports.log, contract, size);
  const status = findPayment(contract, entries, paymentStates(entries), payment);
  // The terms of the version the evaluation cites: the amount was worked out under them.
  const version = registeredVersions(entries).find((v) => v.hash === status.contract.hash);
  if (version === undefined) {
    throw new IntegrityError(
      `the evaluation cites contract version ${status.contract.version}, not registered`,
      payment,
    );
  }
  return paymentOrder(version.spec, status, lang);
}
