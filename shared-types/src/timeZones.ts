/**
 * Time zones a practice or provider picks from, by the names people use. The ids are IANA
 * tz database names (what PostgreSQL and Intl expect); screens show only the labels.
 */
export const TIME_ZONE_CHOICES = [
  { id: 'America/New_York', label: 'Eastern Time (New York)' },
  { id: 'America/Chicago', label: 'Central Time (Chicago)' },
  { id: 'America/Denver', label: 'Mountain Time (Denver)' },
  { id: 'America/Phoenix', label: 'Mountain Time without daylight saving (Phoenix)' },
  { id: 'America/Los_Angeles', label: 'Pacific Time (Los Angeles)' },
  { id: 'America/Anchorage', label: 'Alaska Time (Anchorage)' },
  { id: 'Pacific/Honolulu', label: 'Hawaii Time (Honolulu)' },
  { id: 'America/Puerto_Rico', label: 'Atlantic Time (Puerto Rico)' },
] as const;

export type TimeZoneChoice = (typeof TIME_ZONE_CHOICES)[number]['id'];

/** The plain label of a zone id, or the id itself for a zone outside the list. */
export function timeZoneLabel(id: string): string {
  return TIME_ZONE_CHOICES.find((choice) => choice.id === id)?.label ?? id.replace(/_/g, ' ');
}
