/**
 * In-call controls: microphone and camera on/off, switch camera (phones have two), and the
 * device-check helpers (speaker test tone, microphone level meter). Leaving stops every
 * track (`stopStream`), so the camera light goes off.
 */
import { useEffect, useId, useState } from 'react';
import type { RoomConnection } from './RoomConnection.js';

/** Stops every track of a stream (camera light off, microphone released). */
export function stopStream(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}

function allEnabled(tracks: MediaStreamTrack[]): boolean {
  return tracks.length > 0 && tracks.every((track) => track.enabled);
}

/** Mute, camera and switch-camera buttons for the local stream of a room. */
export function MediaControls({ room, localStream }: { room: RoomConnection | null; localStream: MediaStream }) {
  const [micOn, setMicOn] = useState(() => allEnabled(localStream.getAudioTracks()));
  const [cameraOn, setCameraOn] = useState(() => allEnabled(localStream.getVideoTracks()));
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([]);
  const [switchError, setSwitchError] = useState<string | null>(null);
  const [switching, setSwitching] = useState(false);

  useEffect(() => {
    let cancelled = false;
    navigator.mediaDevices.enumerateDevices().then(
      (devices) => {
        if (!cancelled) setCameras(devices.filter((device) => device.kind === 'videoinput'));
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const setEnabled = (tracks: MediaStreamTrack[], enabled: boolean): void => {
    // A disabled track sends silence / black frames: the call keeps its media path and keys.
    for (const track of tracks) track.enabled = enabled;
  };

  const switchCamera = async (): Promise<void> => {
    const current = localStream.getVideoTracks()[0];
    const currentId = current?.getSettings().deviceId;
    const index = cameras.findIndex((camera) => camera.deviceId === currentId);
    const nextCamera = cameras[(index + 1) % cameras.length];
    if (nextCamera === undefined) return;
    setSwitching(true);
    setSwitchError(null);
    try {
      const media = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: nextCamera.deviceId }, width: { ideal: 640 }, height: { ideal: 480 } } });
      const track = media.getVideoTracks()[0];
      if (track === undefined) throw new Error('no video track');
      track.enabled = cameraOn;
      await room?.replaceTrack(track);
      if (current !== undefined) {
        localStream.removeTrack(current);
        current.stop();
      }
      localStream.addTrack(track);
      // Script-added tracks fire no event by themselves; the preview tile listens for this one.
      localStream.dispatchEvent(new MediaStreamTrackEvent('addtrack', { track }));
    } catch {
      setSwitchError('Could not switch to the other camera.');
    } finally {
      setSwitching(false);
    }
  };

  return (
    <div className="controls" role="group" aria-label="Call controls">
      <button
        type="button"
        aria-pressed={!micOn}
        data-testid="mute"
        onClick={() => {
          setEnabled(localStream.getAudioTracks(), !micOn);
          setMicOn(!micOn);
        }}
      >
        {micOn ? 'Mute microphone' : 'Unmute microphone'}
      </button>
      <button
        type="button"
        aria-pressed={!cameraOn}
        data-testid="camera"
        onClick={() => {
          setEnabled(localStream.getVideoTracks(), !cameraOn);
          setCameraOn(!cameraOn);
        }}
      >
        {cameraOn ? 'Turn camera off' : 'Turn camera on'}
      </button>
      {cameras.length > 1 && (
        <button type="button" disabled={switching} onClick={() => void switchCamera()}>
          Switch camera
        </button>
      )}
      <p className="muted control-state" role="status" aria-live="polite">
        {!micOn && 'Your microphone is off. '}
        {!cameraOn && 'Your camera is off.'}
      </p>
      {switchError !== null && (
        <p role="alert" className="error">
          {switchError}
        </p>
      )}
    </div>
  );
}

/** Plays a short tone so people can check their speakers or headphones before joining. */
export function SpeakerTest() {
  const [played, setPlayed] = useState(false);
  const play = (): void => {
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 660;
    // Fade in and out: an abrupt start or stop clicks in the speaker.
    gain.gain.setValueAtTime(0, context.currentTime);
    gain.gain.linearRampToValueAtTime(0.2, context.currentTime + 0.05);
    gain.gain.linearRampToValueAtTime(0, context.currentTime + 0.8);
    oscillator.connect(gain).connect(context.destination);
    oscillator.onended = () => {
      void context.close();
    };
    oscillator.start();
    oscillator.stop(context.currentTime + 0.85);
    setPlayed(true);
  };
  return (
    <div className="speaker-test">
      <button type="button" onClick={play}>
        Play test sound
      </button>
      {played && <p className="muted">Did you hear a short tone? If not, turn up the volume or choose other speakers or headphones.</p>}
    </div>
  );
}

/** How loud the microphone is right now (0-1), as a labelled meter. */
export function MicrophoneLevel({ stream }: { stream: MediaStream }) {
  const id = useId();
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (stream.getAudioTracks().length === 0) return;
    const context = new AudioContext();
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    // Ten updates a second is smooth enough for a level bar and cheap on phones.
    const timer = setInterval(() => {
      analyser.getByteTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) {
        const centred = (sample - 128) / 128;
        sum += centred * centred;
      }
      const rms = Math.sqrt(sum / samples.length);
      setLevel(Math.min(1, rms * 4));
    }, 100);
    return () => {
      clearInterval(timer);
      source.disconnect();
      void context.close();
    };
  }, [stream]);
  return (
    <p className="mic-level">
      <label htmlFor={id}>Microphone level</label>{' '}
      <meter id={id} min={0} max={1} low={0.05} value={level} data-testid="mic-level" data-level={level.toFixed(2)} />{' '}
      <span className="muted">{level > 0.05 ? 'We can hear you' : 'Say something to test your microphone'}</span>
    </p>
  );
}
