// Drives Debian's chromium with playwright-core (no browser download).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.WISPR_E2E_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wispr-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      try { await context.close(); } catch { /* ignore */ }
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Trusts folders of a code-server window before the workbench loads, as "Trust Folder" would: VS Code web keeps the
 * trusted URIs in its application storage (key `content.trust.model.key`, `{ uriTrustInfo: [{ uri, trusted }] }`;
 * WorkspaceTrustManagementService), store `ItemTable` of the IndexedDB database `vscode-web-state-db-global` up to
 * VS Code 1.100 and `vscode-web-state-db-global-shared` (application-shared storage, scope -2) in 1.139; both are
 * written. The page is sent to the server's origin first, so the workbench opened next reads the same databases.
 */
export async function trustFolders(page, cs, folders) {
  await page.goto(`${cs.url}healthz`, { timeout: 120_000 });
  const value = JSON.stringify({
    uriTrustInfo: folders.map((p) => ({ uri: { $mid: 1, scheme: 'vscode-remote', authority: cs.remoteAuthority, path: p }, trusted: true })),
  });
  for (const db of ['vscode-web-state-db-global', 'vscode-web-state-db-global-shared']) await page.evaluate(({ db, key, value }) => new Promise((resolve, reject) => {
    const open = indexedDB.open(db);
    open.onupgradeneeded = () => { if (!open.result.objectStoreNames.contains('ItemTable')) open.result.createObjectStore('ItemTable'); };
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const conn = open.result;
      const tx = conn.transaction('ItemTable', 'readwrite');
      tx.objectStore('ItemTable').put(value, key);
      tx.oncomplete = () => { conn.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), { db, key: 'content.trust.model.key', value });
}
