// What the Returns screen holds of the goods coming back, before the register sees them.

/** A receipt line: ticked or not, how many, why, damaged. */
export type Pick = { on: boolean; quantity: string; reason: string; damaged: boolean };

/** An item back without a receipt, as scanned or typed. */
export type ItemBack = { code: string; quantity: string; reason: string; damaged: boolean };
