// "Wispr: Choose Microphone…": a quick pick over `audio/listDevices`; the choice goes into wispr.audio.device.
import * as vscode from 'vscode';
import { readConfig, SECTION, Settings } from '../config';
import { AudioDevice, AudioListDevicesRequest } from '../sidecar/protocol';
import { SidecarProcess } from '../sidecar/sidecarProcess';
import { showProblem } from './notify';

interface DeviceItem extends vscode.QuickPickItem {
    id: string;
}

/** The items the picker shows: the system default first, then every device, the current choice marked. */
export function deviceItems(devices: AudioDevice[], current: string): DeviceItem[] {
    const systemDefault = devices.find(d => d.isDefault);
    const mark = (id: string) => (id === current ? '$(check) ' : '');
    return [
        {
            id: '',
            label: `${mark('')}System default`,
            description: systemDefault ? systemDefault.name : undefined,
        },
        ...devices.map(d => ({ id: d.id, label: `${mark(d.id)}${d.name}`, description: d.isDefault ? 'default' : undefined, detail: d.id })),
    ];
}

export async function pickMicrophone(context: vscode.ExtensionContext, sidecar: SidecarProcess, log: vscode.LogOutputChannel): Promise<void> {
    let result: AudioListDevicesRequest.Result;
    try {
        result = await sidecar.request(AudioListDevicesRequest.type, {});
    } catch (e) {
        await showProblem(e, log);
        return;
    }
    const config = readConfig(context);
    const picked = await vscode.window.showQuickPick(deviceItems(result.devices, config.device), {
        title: `Wispr: choose the microphone (${result.recorder})`,
        placeHolder: result.devices.length === 0 ? 'No capture devices found; the system default is used.' : 'Dictation captures from…',
    });
    if (!picked) {
        return;
    }
    const settings = vscode.workspace.getConfiguration(SECTION);
    await settings.update(Settings.device, picked.id, vscode.ConfigurationTarget.Global);
    if (config.audioSource !== 'microphone') {
        await settings.update(Settings.audioSource, 'microphone', vscode.ConfigurationTarget.Global);
    }
    log.info(`Microphone set to ${picked.id || 'the system default'}.`);
}
