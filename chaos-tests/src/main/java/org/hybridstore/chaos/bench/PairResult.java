package org.hybridstore.chaos.bench;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One pair of a run: side A (the reference, e.g. raw jetcd CAS) and side B (what is compared with
 * it, e.g. the STRONG command), measured alternately, A then B, in every round, on the same
 * payload. The ratio of a round is B's throughput over A's; the pair's figure is the median of the
 * rounds' ratios, since a shared machine's load drifts from round to round.
 *
 * @param key the ratio's name in the JSON output, e.g. {@code strong_over_raw_cas}
 * @param a what side A measures
 * @param b what side B measures
 * @param inFlight requests in flight on both sides
 * @param payloadBytes bytes written per operation on both sides
 * @param rounds the rounds, in order
 */
public record PairResult(
    String key, String a, String b, int inFlight, int payloadBytes, List<Round> rounds) {
  /** Copies the rounds. */
  public PairResult {
    rounds = List.copyOf(rounds);
  }

  /**
   * One round: A, then B.
   *
   * @param round 1-based
   * @param a side A
   * @param b side B
   */
  public record Round(int round, Measurement a, Measurement b) {
    /**
     * Returns B's throughput over A's.
     *
     * @return the ratio
     */
    public double ratio() {
      return b.opsPerSecond() / a.opsPerSecond();
    }
  }

  /**
   * Returns the median over the rounds of the rounds' ratios.
   *
   * @return the pair's ratio
   */
  public double ratio() {
    return median(Round::ratio);
  }

  /**
   * Returns the median over the rounds of a figure, over the rounds that know it (a figure a round
   * could not read, such as etcd's CPU after a member restarted, is NaN there).
   *
   * @param figure the figure of one round
   * @return the median (the mean of the middle two for an even number of rounds), or NaN if no
   *     round knows the figure
   */
  public double median(ToDoubleFunction<Round> figure) {
    double[] v =
        rounds.stream().mapToDouble(figure).filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /**
   * Returns the rounds' ratios in order.
   *
   * @return one ratio per round
   */
  public double[] ratios() {
    return rounds.stream().mapToDouble(Round::ratio).toArray();
  }

  @Override
  public String toString() {
    return key + " " + Arrays.toString(ratios());
  }
}
