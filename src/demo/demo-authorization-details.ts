import type { AuthorizationDetail, AuthorizationDetailsValidator } from '../par/index.js';

const CURRENCY = /^[A-Z]{3}$/;
const AMOUNT = /^\d{1,12}(\.\d{1,2})?$/;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/;

function onlyFields(detail: Readonly<AuthorizationDetail>, allowed: readonly string[]): string | undefined {
  const unknown = Object.keys(detail).filter((field) => field !== 'type' && !allowed.includes(field));
  return unknown.length > 0 ? `unknown field ${unknown[0]}` : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `payment_initiation` (RFC 9396 §2's example): instructedAmount {currency, amount}, creditorName,
 * creditorAccount {iban}, optional remittanceInformationUnstructured.
 */
export const paymentInitiation: AuthorizationDetailsValidator = (detail) => {
  const unknown = onlyFields(detail, ['instructedAmount', 'creditorName', 'creditorAccount', 'remittanceInformationUnstructured', 'actions', 'locations']);
  if (unknown) return unknown;
  const amount = detail.instructedAmount;
  if (!isObject(amount) || typeof amount.currency !== 'string' || !CURRENCY.test(amount.currency)) return 'instructedAmount.currency must be an ISO 4217 code';
  if (typeof amount.amount !== 'string' || !AMOUNT.test(amount.amount)) return 'instructedAmount.amount must be a decimal string';
  if (Object.keys(amount).some((k) => k !== 'currency' && k !== 'amount')) return 'instructedAmount has unknown fields';
  if (typeof detail.creditorName !== 'string' || detail.creditorName.length === 0 || detail.creditorName.length > 140) return 'creditorName must be a string of 1 to 140 characters';
  const account = detail.creditorAccount;
  if (!isObject(account) || typeof account.iban !== 'string' || !IBAN.test(account.iban) || Object.keys(account).length !== 1) return 'creditorAccount must be { iban }';
  const remittance = detail.remittanceInformationUnstructured;
  if (remittance !== undefined && (typeof remittance !== 'string' || remittance.length > 140)) return 'remittanceInformationUnstructured must be a string of at most 140 characters';
  return undefined;
};

const ACCOUNT_ACTIONS = ['list_accounts', 'read_balances', 'read_transactions'];

/** `account_information`: actions (a subset of list_accounts, read_balances, read_transactions), optional accounts [{ iban }]. */
export const accountInformation: AuthorizationDetailsValidator = (detail) => {
  const unknown = onlyFields(detail, ['actions', 'accounts', 'locations']);
  if (unknown) return unknown;
  const actions = detail.actions;
  if (!Array.isArray(actions) || actions.length === 0 || actions.some((a) => typeof a !== 'string' || !ACCOUNT_ACTIONS.includes(a))) {
    return `actions must be a non-empty array of ${ACCOUNT_ACTIONS.join(', ')}`;
  }
  const accounts = detail.accounts;
  if (accounts !== undefined && (!Array.isArray(accounts) || accounts.some((a) => !isObject(a) || typeof a.iban !== 'string' || !IBAN.test(a.iban)))) {
    return 'accounts must be an array of { iban }';
  }
  return undefined;
};

/** The consent page's plain-words line for one authorization detail (escaped by the caller). */
export function describeDetail(detail: AuthorizationDetail): string {
  if (detail.type === 'payment_initiation') {
    const amount = detail.instructedAmount as { currency: string; amount: string };
    const account = detail.creditorAccount as { iban: string };
    return `Pay ${amount.amount} ${amount.currency} to ${String(detail.creditorName)} (account ${account.iban})`;
  }
  if (detail.type === 'account_information') {
    const actions = (detail.actions as string[]).map((a) => a.replace(/_/g, ' ')).join(', ');
    const accounts = Array.isArray(detail.accounts) ? ` for ${(detail.accounts as { iban: string }[]).map((a) => a.iban).join(', ')}` : ' for all your accounts';
    return `Access your accounts: ${actions}${accounts}`;
  }
  return `Use "${detail.type}" access`;
}
