/**
 * Device and network pre-check before joining: camera and microphone permission, a preview,
 * device choice, a speaker test tone, a microphone level meter, and whether this browser can
 * do end-to-end encryption. `opensAt` holds the Continue button until the room opens.
 */
import { useEffect, useState } from 'react';
import { detectTransformApi } from '../e2ee/E2eeSession.js';
import { Select } from '../ui/components.js';
import { MicrophoneLevel, SpeakerTest } from './roomControls.js';
import { VideoTile, useNow } from './roomUi.js';
import { clockTime } from './visitText.js';

interface CheckResult {
  label: string;
  ok: boolean;
  detail: string;
}

async function openDevices(cameraId: string, microphoneId: string): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 }, ...(cameraId === '' ? {} : { deviceId: { exact: cameraId } }) },
    audio: microphoneId === '' ? true : { deviceId: { exact: microphoneId } },
  });
}

/** Runs the checks; calls `onReady` with the chosen local stream. */
export function PreCheck({ onReady, opensAt }: { onReady: (stream: MediaStream) => void; opensAt?: Date }) {
  const now = useNow();
  const notOpenYet = opensAt !== undefined && now < opensAt;
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [cameraId, setCameraId] = useState('');
  const [microphoneId, setMicrophoneId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [online, setOnline] = useState(navigator.onLine);

  useEffect(() => {
    let opened: MediaStream | null = null;
    let cancelled = false;
    openDevices(cameraId, microphoneId).then(
      async (media) => {
        if (cancelled) {
          media.getTracks().forEach((track) => {
            track.stop();
          });
          return;
        }
        opened = media;
        setStream(media);
        setError(null);
        setDevices(await navigator.mediaDevices.enumerateDevices());
      },
      (failure: unknown) => {
        setError(failure instanceof DOMException && failure.name === 'NotAllowedError' ? 'Camera or microphone permission was denied' : 'No usable camera or microphone found');
      },
    );
    const updateOnline = (): void => {
      setOnline(navigator.onLine);
    };
    window.addEventListener('online', updateOnline);
    window.addEventListener('offline', updateOnline);
    return () => {
      cancelled = true;
      window.removeEventListener('online', updateOnline);
      window.removeEventListener('offline', updateOnline);
      // The stream is handed to the room on success; only stop it when it was not.
      if (opened !== null && !handedOver.has(opened)) opened.getTracks().forEach((track) => {
        track.stop();
      });
    };
  }, [cameraId, microphoneId]);

  const e2ee = detectTransformApi();
  const checks: CheckResult[] = [
    { label: 'Camera', ok: (stream?.getVideoTracks().length ?? 0) > 0, detail: stream === null ? 'Waiting for permission' : 'Working' },
    { label: 'Microphone', ok: (stream?.getAudioTracks().length ?? 0) > 0, detail: stream === null ? 'Waiting for permission' : 'Working' },
    { label: 'Network', ok: online, detail: online ? 'Online' : 'Offline' },
    {
      label: 'End-to-end encryption',
      ok: e2ee !== null,
      detail: e2ee === null ? 'Not supported in this browser' : 'Supported',
    },
  ];
  const cameras = devices.filter((device) => device.kind === 'videoinput');
  const microphones = devices.filter((device) => device.kind === 'audioinput');
  const ready = stream !== null && checks.every((check) => check.ok);

  return (
    <div className="precheck">
      {stream !== null && <VideoTile stream={stream} label="Your camera preview" muted />}
      <ul className="checks" aria-label="Pre-check results">
        {checks.map((check) => (
          <li key={check.label} className={check.ok ? 'ok' : 'bad'}>
            <span aria-hidden="true">{check.ok ? '✔' : '✖'}</span> {check.label}: {check.detail}
          </li>
        ))}
      </ul>
      {stream !== null && <MicrophoneLevel stream={stream} />}
      <SpeakerTest />
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {cameras.length > 1 && (
        <Select label="Camera" value={cameraId} onChange={setCameraId} options={cameras.map((device, index) => ({ value: device.deviceId, label: device.label || `Camera ${index + 1}` }))} />
      )}
      {microphones.length > 1 && (
        <Select
          label="Microphone"
          value={microphoneId}
          onChange={setMicrophoneId}
          options={microphones.map((device, index) => ({ value: device.deviceId, label: device.label || `Microphone ${index + 1}` }))}
        />
      )}
      {notOpenYet && <p className="muted">You can join from {clockTime(opensAt)}, when your visit room opens.</p>}
      <button
        type="button"
        disabled={!ready || notOpenYet}
        onClick={() => {
          if (stream !== null) {
            handedOver.add(stream);
            onReady(stream);
          }
        }}
      >
        Continue
      </button>
    </div>
  );
}

/** Streams given to the room: the pre-check must not stop them when it unmounts. */
const handedOver = new WeakSet<MediaStream>();
