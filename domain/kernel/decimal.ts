import { Decimal as Base } from 'decimal.js';

/**
 * The domain's own decimal.js constructor: 40 significant digits, half-even,
 * and plain notation (never `1e-7`), independent of decimal.js's global
 * settings, so results cannot change if another module reconfigures them.
 */
export const Decimal = Base.clone({ precision: 40, rounding: Base.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Decimal = Base;
export type DecimalValue = Base.Value;
export type Rounding = Base.Rounding;
