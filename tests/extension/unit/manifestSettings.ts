// package.json contributes its settings as titled sections; tests that look a setting up want them in one map.
export function settingsOf<P>(manifest: { contributes: { configuration: { properties: Record<string, P> }[] } }): Record<string, P> {
    return Object.assign({}, ...manifest.contributes.configuration.map(s => s.properties)) as Record<string, P>;
}
