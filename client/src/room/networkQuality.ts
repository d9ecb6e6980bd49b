/** Network quality shown to participants, from transport statistics (W3C webrtc-stats). */
export type NetworkQuality = 'unknown' | 'good' | 'fair' | 'poor' | 'offline';

export interface TransportSample {
  /** currentRoundTripTime of the nominated ICE candidate pair, seconds. */
  rttSeconds: number | null;
  packetsReceived: number;
  packetsLost: number;
}

/**
 * Thresholds follow common interactive-media guidance: ITU-T G.114 recommends one-way delay
 * under 150 ms (RTT ~300 ms) for good interactivity; loss above a few percent makes video
 * visibly degrade.
 */
const GOOD_RTT_SECONDS = 0.3;
const POOR_RTT_SECONDS = 0.8;
const GOOD_LOSS = 0.02;
const POOR_LOSS = 0.08;

/** Classifies the interval between two samples. */
export function classifyNetwork(previous: TransportSample | null, current: TransportSample): NetworkQuality {
  const received = current.packetsReceived - (previous?.packetsReceived ?? 0);
  const lost = Math.max(0, current.packetsLost - (previous?.packetsLost ?? 0));
  const loss = received + lost > 0 ? lost / (received + lost) : 0;
  const rtt = current.rttSeconds;
  if (rtt === null && received + lost === 0) return 'unknown';
  if ((rtt !== null && rtt > POOR_RTT_SECONDS) || loss > POOR_LOSS) return 'poor';
  if ((rtt !== null && rtt > GOOD_RTT_SECONDS) || loss > GOOD_LOSS) return 'fair';
  return 'good';
}
