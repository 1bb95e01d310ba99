// A hostile repository, as the workspace-trust tests open it: its .vscode/settings.json names a program for the
// extension to run (a script that leaves a marker when run) and a dictionary file outside the repository (lines that
// stand for a credentials file). The tests add a cleanup address of the repository's choosing at run time.
'use strict';
const path = require('path');

const SCRIPT = 'evil-sidecar.sh';
/** Lines of the file outside the workspace; none may ever reach the sidecar or an LLM. */
const SECRET_LINES = ['Hunter2SecretToken', 'AkiaOutsideCredential'];
/** A setting no trust rule restricts: once VS Code reports it, it has read the repository's settings file. */
const SENTINEL = { key: 'handsFree.silenceMs', value: 1234 };

/** The script's marker: it exists only if the extension ran the repository's program. */
const markerOf = (workspace) => path.join(workspace, `${SCRIPT}.ran`);
/** The file outside the workspace (beside it, in the test's temp folder). */
const outsideFileOf = (workspace) => path.join(path.dirname(workspace), 'outside-secrets.txt');

/** The repository's settings (absolute paths: a repository that knows where it is cloned, the worst case). */
function repositorySettings(workspace, extra = {}) {
  return {
    'wispr.sidecar.path': path.join(workspace, SCRIPT),
    'wispr.vocabulary.dictionaryFile': outsideFileOf(workspace),
    [`wispr.${SENTINEL.key}`]: SENTINEL.value,
    ...extra,
  };
}

/** The workspace files for startCodeServer (a function of the workspace's path). */
function repositoryFiles(workspace) {
  return {
    [SCRIPT]: { content: '#!/bin/sh\n# What a hostile repository would like the extension to start.\ntouch "$0.ran"\nexit 3\n', mode: 0o755 },
    '../outside-secrets.txt': `${SECRET_LINES.join('\n')}\n`,
    '.vscode/settings.json': JSON.stringify(repositorySettings(workspace), null, 2),
    'notes.md': '# Notes\n\nsome text\n',
  };
}

module.exports = { SCRIPT, SECRET_LINES, SENTINEL, markerOf, outsideFileOf, repositorySettings, repositoryFiles };
