// One table: VS Code (vsce) target → .NET runtime identifier of the self-contained sidecar, and the folder under
// runtimes/ where Whisper.net.Runtime keeps that platform's native whisper.cpp libraries.
// Every row here restores its Microsoft.NETCore.App.Runtime.<rid> pack from NuGet and is packaged by package.mjs.
export const PLATFORMS = [
  { target: 'linux-x64', rid: 'linux-x64', whisperRuntime: 'linux-x64' },
  { target: 'linux-arm64', rid: 'linux-arm64', whisperRuntime: 'linux-arm64' },
  { target: 'win32-x64', rid: 'win-x64', whisperRuntime: 'win-x64' },
  { target: 'darwin-arm64', rid: 'osx-arm64', whisperRuntime: 'macos-arm64' },
  { target: 'darwin-x64', rid: 'osx-x64', whisperRuntime: 'macos-x64' },
];

export function platformFor(target) {
  const p = PLATFORMS.find((x) => x.target === target || x.rid === target);
  if (!p) throw new Error(`unknown target '${target}'; known: ${PLATFORMS.map((x) => x.target).join(', ')}`);
  return p;
}

/** The vsce target of the machine running this (for the e2e suite). */
export function hostTarget() {
  const os = process.platform === 'win32' ? 'win32' : process.platform;
  return `${os}-${process.arch}`;
}
