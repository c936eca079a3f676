/**
 * The contracts the session's token may act on (GET /contracts): the one
 * list the pages start from. Apart from lib/contracts.ts, whose shapes Node
 * tests type-check without the DOM that the API client needs.
 */
import { api } from './api.ts';
import type { ContractListItem } from './contracts.ts';

export async function listContracts(): Promise<ContractListItem[]> {
  return (await api<{ contracts: ContractListItem[] }>('/contracts')).contracts;
}
