/**
 * Follow-up room side panel: the symptom questionnaire and photo capture with a translucent
 * "ghost" of the before photo over the live camera, so the patient can match the pose and
 * the provider can compare like with like.
 */
import { useEffect, useRef, useState } from 'react';
import { api, download, sessionUser, uploadBytes } from '../api/http.js';
import type { Appointment, PhotoMeta, VisitPhotos } from '../api/types.js';
import { ErrorMessage, Section, Select, TextArea, useAction, useAsync } from '../ui/components.js';

/** Loads a photo through the API (it is decrypted server-side) as an object URL. */
export function usePhotoUrl(photoId: string | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (photoId === null) return;
    let objectUrl: string | null = null;
    let cancelled = false;
    download(`/v1/photos/${photoId}`).then(
      ({ blob }) => {
        if (cancelled) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      () => {
        setUrl(null);
      },
    );
    return () => {
      cancelled = true;
      if (objectUrl !== null) URL.revokeObjectURL(objectUrl);
    };
  }, [photoId]);
  return url;
}

/** The newest "before" photo of the patient's earlier visits: the pose to match. */
export function latestBeforePhoto(visits: readonly VisitPhotos[], excludeAppointmentId: string): PhotoMeta | null {
  const candidates = visits
    .filter((visit) => visit.appointmentId !== excludeAppointmentId)
    .flatMap((visit) => visit.photos.filter((photo) => photo.phase === 'before'));
  candidates.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return candidates[0] ?? null;
}

const JPEG_QUALITY = 0.9;

async function snapshot(video: HTMLVideoElement): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  if (context === null || canvas.width === 0) throw new Error('The camera is not ready yet');
  context.drawImage(video, 0, 0);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (blob === null) reject(new Error('Could not capture the photo'));
      else resolve(blob);
    }, 'image/jpeg', JPEG_QUALITY);
  });
}

function PhotoCapture({ appointment, localStream }: { appointment: Appointment; localStream: MediaStream }) {
  const user = sessionUser();
  const visits = useAsync(
    () => api<{ visits: VisitPhotos[] }>('GET', `/v1/patients/${user?.id ?? ''}/photos`).then((body) => body.visits),
    `${user?.id ?? ''}-photos`,
  );
  const before = visits.data === null ? null : latestBeforePhoto(visits.data, appointment.id);
  const ghostUrl = usePhotoUrl(before?.id ?? null);
  const [ghostOpacity, setGhostOpacity] = useState('0.35');
  const videoRef = useRef<HTMLVideoElement>(null);
  const [uploaded, setUploaded] = useState(0);
  useEffect(() => {
    if (videoRef.current !== null) videoRef.current.srcObject = localStream;
  }, [localStream]);
  const capture = useAction(async () => {
    if (videoRef.current === null) return;
    const blob = await snapshot(videoRef.current);
    await uploadBytes(`/v1/appointments/${appointment.id}/photos?phase=follow_up`, blob);
    setUploaded((count) => count + 1);
    visits.reload();
  });
  return (
    <Section title="Progress photo">
      <p id="ghost-help">{ghostUrl === null ? 'Face the camera in good light.' : 'Line yourself up with the faint earlier photo, then take the picture.'}</p>
      <div className="ghost-frame" data-testid="ghost-frame">
        <video ref={videoRef} autoPlay playsInline muted aria-label="Camera for the progress photo" aria-describedby="ghost-help" />
        {ghostUrl !== null && <img src={ghostUrl} alt="" className={`ghost ghost-${ghostOpacity.replace('.', '')}`} data-testid="ghost" />}
      </div>
      {ghostUrl !== null && (
        <Select
          label="Guide visibility"
          value={ghostOpacity}
          onChange={setGhostOpacity}
          options={[
            { value: '0.2', label: 'Faint' },
            { value: '0.35', label: 'Medium' },
            { value: '0.5', label: 'Strong' },
          ]}
        />
      )}
      <ErrorMessage error={capture.error ?? visits.error} />
      <button type="button" onClick={capture.run} disabled={capture.busy}>
        Take and upload photo
      </button>
      {uploaded > 0 && <p role="status">Uploaded {uploaded} photo{uploaded > 1 ? 's' : ''}. Photos are stored encrypted.</p>}
    </Section>
  );
}

const SEVERITY = ['none', 'mild', 'moderate', 'severe'].map((value) => ({ value, label: value }));

function Questionnaire({ appointment }: { appointment: Appointment }) {
  const [painScore, setPainScore] = useState('0');
  const [swelling, setSwelling] = useState('none');
  const [bruising, setBruising] = useState('none');
  const [flags, setFlags] = useState({ asymmetry: false, infectionSigns: false, visionOrSkinColourChanges: false });
  const [comments, setComments] = useState('');
  const [done, setDone] = useState<boolean | null>(null);
  const submit = useAction(async () => {
    const result = await api<{ needsUrgentReview: boolean }>('POST', `/v1/appointments/${appointment.id}/questionnaire`, {
      painScore: Number(painScore),
      swelling,
      bruising,
      ...flags,
      comments: comments.trim(),
    });
    setDone(result.needsUrgentReview);
  });
  if (done !== null) {
    return (
      <Section title="Symptom check">
        <p role="status">{done ? 'Thank you. Your answers need a provider’s attention: they have been flagged.' : 'Thank you, your answers were sent.'}</p>
      </Section>
    );
  }
  const flagLabels: Record<keyof typeof flags, string> = {
    asymmetry: 'Uneven result (asymmetry)',
    infectionSigns: 'Spreading redness, warmth, discharge or fever',
    visionOrSkinColourChanges: 'Vision changes or pale/blotchy skin near the treated area',
  };
  return (
    <Section title="Symptom check">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submit.run();
        }}
      >
        <Select label="Pain (0 none – 10 worst)" value={painScore} onChange={setPainScore} options={Array.from({ length: 11 }, (_, index) => ({ value: String(index), label: String(index) }))} />
        <Select label="Swelling" value={swelling} onChange={setSwelling} options={SEVERITY} />
        <Select label="Bruising" value={bruising} onChange={setBruising} options={SEVERITY} />
        <fieldset>
          <legend>Any of these?</legend>
          {(Object.keys(flags) as (keyof typeof flags)[]).map((key) => (
            <label key={key} className="check">
              <input
                type="checkbox"
                checked={flags[key]}
                onChange={(event) => {
                  setFlags({ ...flags, [key]: event.target.checked });
                }}
              />{' '}
              {flagLabels[key]}
            </label>
          ))}
        </fieldset>
        {/* Free text the structured answers cannot hold (the API keeps up to 2,000 characters). */}
        <TextArea label="Anything else your provider should know (optional)" value={comments} onChange={setComments} rows={3} />
        <ErrorMessage error={submit.error} />
        <button type="submit" disabled={submit.busy}>
          Send answers
        </button>
      </form>
    </Section>
  );
}

/** Everything the patient does in a follow-up besides the video. */
export function FollowUpPanel({ appointment, localStream }: { appointment: Appointment; localStream: MediaStream }) {
  return (
    <div className="side-panel">
      <Questionnaire appointment={appointment} />
      <PhotoCapture appointment={appointment} localStream={localStream} />
    </div>
  );
}
