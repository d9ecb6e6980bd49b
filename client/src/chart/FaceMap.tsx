/**
 * Injection sites on a face diagram. Points are stored normalised (0..1 from the left and
 * top of the diagram). Clicking the SVG adds a point; the list beside it is the keyboard
 * and screen-reader way: pick a named area, set the amount, edit or remove any site.
 */
import { useId, useState } from 'react';
import type { InjectionSite } from './chartTypes.js';

/** The diagram's coordinate box: 100 wide, 120 tall. */
const WIDTH = 100;
const HEIGHT = 120;

/**
 * Named areas (normalised centres) for adding a site without pointing. Sides are the
 * patient's, as clinicians chart them: the patient's right is on the viewer's left.
 */
export const FACE_AREAS: readonly { label: string; x: number; y: number }[] = [
  { label: 'Forehead, centre', x: 0.5, y: 0.17 },
  { label: 'Forehead, right', x: 0.36, y: 0.19 },
  { label: 'Forehead, left', x: 0.64, y: 0.19 },
  { label: 'Glabella (between brows)', x: 0.5, y: 0.3 },
  { label: 'Brow, right', x: 0.37, y: 0.27 },
  { label: 'Brow, left', x: 0.63, y: 0.27 },
  { label: 'Crow’s feet, right', x: 0.2, y: 0.37 },
  { label: 'Crow’s feet, left', x: 0.8, y: 0.37 },
  { label: 'Cheek, right', x: 0.3, y: 0.53 },
  { label: 'Cheek, left', x: 0.7, y: 0.53 },
  { label: 'Nasolabial fold, right', x: 0.4, y: 0.6 },
  { label: 'Nasolabial fold, left', x: 0.6, y: 0.6 },
  { label: 'Upper lip', x: 0.5, y: 0.66 },
  { label: 'Lower lip', x: 0.5, y: 0.72 },
  { label: 'Chin', x: 0.5, y: 0.83 },
  { label: 'Jawline, right', x: 0.26, y: 0.74 },
  { label: 'Jawline, left', x: 0.74, y: 0.74 },
];

/**
 * The named area nearest a point, to give a clicked site a sensible first label; a second
 * site in the same area is numbered ("Brow, left 2") so the list never shows twins.
 */
function labelFor(x: number, y: number, sites: readonly InjectionSite[]): string {
  const area = nearestArea(x, y);
  const same = sites.filter((site) => site.label === area || site.label.startsWith(`${area} `)).length;
  return same === 0 ? area : `${area} ${String(same + 1)}`;
}

function nearestArea(x: number, y: number): string {
  let best = FACE_AREAS[0]?.label ?? 'Site';
  let distance = Number.POSITIVE_INFINITY;
  for (const area of FACE_AREAS) {
    const d = (area.x - x) ** 2 + (area.y - y) ** 2;
    if (d < distance) {
      distance = d;
      best = area.label;
    }
  }
  return best;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** The face drawing with its sites; `onAdd` receives normalised coordinates of a click. */
function FaceSvg({ sites, onAdd, selected }: { sites: readonly InjectionSite[]; onAdd?: (x: number, y: number) => void; selected: number | null }) {
  return (
    <svg
      className="face-svg"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`Face diagram with ${sites.length} injection site${sites.length === 1 ? '' : 's'}`}
      data-testid="face-map"
      onClick={(event) => {
        if (onAdd === undefined) return;
        const box = event.currentTarget.getBoundingClientRect();
        onAdd(round((event.clientX - box.left) / box.width), round((event.clientY - box.top) / box.height));
      }}
    >
      <text className="side-label" x="2" y="5">
        Patient’s right
      </text>
      <text className="side-label" x="98" y="5" textAnchor="end">
        Patient’s left
      </text>
      <ellipse className="outline" cx="50" cy="55" rx="36" ry="48" />
      <path className="feature" d="M30 34 Q38 29 45 33 M55 33 Q62 29 70 34" />
      <ellipse className="feature" cx="38" cy="42" rx="6" ry="3" />
      <ellipse className="feature" cx="62" cy="42" rx="6" ry="3" />
      <path className="feature" d="M50 44 L46 62 Q50 65 54 62" />
      <path className="feature" d="M40 78 Q50 74 60 78 Q50 84 40 78" />
      {sites.map((site, index) => (
        <g key={`${String(index)}-${String(site.x)}-${String(site.y)}`}>
          <circle className={`site${selected === index ? ' selected' : ''}`} cx={site.x * WIDTH} cy={site.y * HEIGHT} r="2.4" />
          <text className="site-label" x={site.x * WIDTH + 3} y={site.y * HEIGHT + 1.5}>
            {index + 1}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** Read-only face map with its numbered list. */
export function FaceMapView({ sites, unit }: { sites: readonly InjectionSite[]; unit: string }) {
  return (
    <div className="face-map">
      <FaceSvg sites={sites} selected={null} />
      <ol data-testid="site-list">
        {sites.map((site, index) => (
          <li key={`${String(index)}-${site.label}`}>
            {site.label}: {site.amount} {unit}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Editable face map: click to add, or add a named area from the list. */
export function FaceMapEditor({
  sites,
  onChange,
  unit,
}: {
  sites: readonly InjectionSite[];
  onChange: (sites: InjectionSite[]) => void;
  unit: string;
}) {
  const id = useId();
  const [area, setArea] = useState(FACE_AREAS[3]?.label ?? '');
  const [selected, setSelected] = useState<number | null>(null);
  const add = (site: InjectionSite): void => {
    onChange([...sites, site]);
    setSelected(sites.length);
  };
  const update = (index: number, patch: Partial<InjectionSite>): void => {
    onChange(sites.map((site, i) => (i === index ? { ...site, ...patch } : site)));
  };
  return (
    <div className="face-map">
      <div>
        <FaceSvg
          sites={sites}
          selected={selected}
          onAdd={(x, y) => {
            add({ x, y, label: labelFor(x, y, sites), amount: 2 });
          }}
        />
        <p className="hint">Click the face to mark a site, or add one from the list.</p>
      </div>
      <div>
        <div className="row wrap">
          <div className="field">
            <label htmlFor={`${id}-area`}>Area</label>
            <select
              id={`${id}-area`}
              value={area}
              onChange={(event) => {
                setArea(event.target.value);
              }}
            >
              {FACE_AREAS.map((option) => (
                <option key={option.label} value={option.label}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
          <button
            type="button"
            className="field"
            onClick={() => {
              const found = FACE_AREAS.find((option) => option.label === area);
              if (found !== undefined) add({ x: found.x, y: found.y, label: labelFor(found.x, found.y, sites), amount: 2 });
            }}
          >
            Add site
          </button>
        </div>
        {sites.length === 0 ? (
          <p className="muted">No sites yet.</p>
        ) : (
          <ol className="list" data-testid="site-list">
            {sites.map((site, index) => (
              <li key={`${String(index)}-${String(site.x)}-${String(site.y)}`} className="site-row">
                <span aria-hidden="true" className="site-number">
                  {index + 1}
                </span>
                <div className="field">
                  <label htmlFor={`${id}-label-${String(index)}`}>Site {index + 1} name</label>
                  <input
                    id={`${id}-label-${String(index)}`}
                    value={site.label}
                    onFocus={() => {
                      setSelected(index);
                    }}
                    onChange={(event) => {
                      update(index, { label: event.target.value });
                    }}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-amount-${String(index)}`}>
                    Site {index + 1} amount ({unit})
                  </label>
                  <input
                    id={`${id}-amount-${String(index)}`}
                    type="number"
                    inputMode="numeric"
                    min="0"
                    step="0.1"
                    value={String(site.amount)}
                    onFocus={() => {
                      setSelected(index);
                    }}
                    onChange={(event) => {
                      update(index, { amount: Number(event.target.value) });
                    }}
                  />
                </div>
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    onChange(sites.filter((_, i) => i !== index));
                    setSelected(null);
                  }}
                >
                  Remove site {index + 1}
                </button>
              </li>
            ))}
          </ol>
        )}
      </div>
    </div>
  );
}
