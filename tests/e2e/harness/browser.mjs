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
 * trusted URIs in its application storage (IndexedDB `vscode-web-state-db-global`, store `ItemTable`, key
 * `content.trust.model.key`, `{ uriTrustInfo: [{ uri, trusted }] }`; WorkspaceTrustManagementService). The page is sent
 * to the server's origin first, so the workbench opened next reads the same database.
 */
export async function trustFolders(page, cs, folders) {
  await page.goto(`${cs.url}healthz`, { timeout: 120_000 });
  const value = JSON.stringify({
    uriTrustInfo: folders.map((p) => ({ uri: { $mid: 1, scheme: 'vscode-remote', authority: cs.remoteAuthority, path: p }, trusted: true })),
  });
  await page.evaluate(({ key, value }) => new Promise((resolve, reject) => {
    const open = indexedDB.open('vscode-web-state-db-global');
    open.onupgradeneeded = () => { if (!open.result.objectStoreNames.contains('ItemTable')) open.result.createObjectStore('ItemTable'); };
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('ItemTable', 'readwrite');
      tx.objectStore('ItemTable').put(value, key);
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), { key: 'content.trust.model.key', value });
}
