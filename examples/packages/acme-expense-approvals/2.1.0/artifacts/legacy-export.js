// Legacy expense export 2.1.0: flattens approved claims into the old ledger's CSV columns.
export function toLedgerRow(claim) {
  return [claim.id, claim.employeeId, claim.amount.toFixed(2), claim.currency].join(";");
}
