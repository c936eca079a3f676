/**
 * payments: the payment workflow. The state of every payment as a function
 * of the log (calculated, attested, approved or rejected, paid), and the rules
 * a step must satisfy: order, roles, separation of duties, caps, and an
 * outcome paid once. And the payment-order data of an approved payment
 * (payment-order.ts).
 */
export * from './payment-order.ts';
export * from './rules.ts';
export * from './workflow.ts';
