package org.hybridstore.chaos.checker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Operation;

/**
 * No acknowledged write is lost, in the manner of Jepsen's {@code set-full} checker, on every
 * reader.
 *
 * <p>Op shapes: an add is {@code {:f "add", :value element}}; a read is {@code {:f "read"}}
 * completing OK with a collection of elements as its value, and the reader (a node, or etcd) in the
 * op's node field. Only OK reads count. For each element whose add was acknowledged (OK), and for
 * each reader, the checker looks at that reader's reads that began after the acknowledgement:
 *
 * <ul>
 *   <li><b>lost</b>: the last of them lacks the element (the element is listed with the readers
 *       that lost it);
 *   <li><b>stable</b>: every reader's last read has it; its stable latency is the time from the
 *       add's invocation to the first read, on any reader, of the final run of reads that all have
 *       it;
 *   <li><b>stale</b>: stable, but some read after the acknowledgement lacked it first;
 *   <li><b>never read</b>: some reader has no read after the acknowledgement.
 * </ul>
 *
 * Elements read but never added are <b>unexpected</b>. Unacknowledged adds (FAIL/INFO) that show up
 * in reads are counted as recovered; they are never lost. Verdict: INVALID when anything is lost or
 * unexpected; UNKNOWN when it saw too little: no acknowledged add, no read, or an acknowledged
 * element that some reader never read; VALID otherwise. Stale elements do not make a history
 * invalid (that is a linearizability question), but are reported. Instances are immutable and
 * threadsafe.
 */
public final class NoLostAckedWritesChecker implements Checker {

  private static final int LIST_LIMIT = 20;
  private static final double[] QUANTILES = {0, 0.5, 0.95, 0.99, 1};

  private final String addF;
  private final String readF;

  /** Creates the checker for {@code add} and {@code read}. */
  public NoLostAckedWritesChecker() {
    this("add", "read");
  }

  /**
   * Creates the checker with other function names.
   *
   * @param addF the function of adds
   * @param readF the function of reads
   */
  public NoLostAckedWritesChecker(String addF, String readF) {
    this.addF = Objects.requireNonNull(addF, "addF");
    this.readF = Objects.requireNonNull(readF, "readF");
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if a read's value is not a collection
   */
  @Override
  public CheckResult check(History history) {
    Set<Object> attempted = new HashSet<>();
    Map<Object, Operation> acked = new LinkedHashMap<>();
    for (Operation op : history.operations()) {
      if (op.invocation().f().equals(addF)) {
        attempted.add(op.invocation().value());
        if (op.isOk()) {
          acked.putIfAbsent(op.invocation().value(), op);
        }
      }
    }
    List<Operation> reads = Operations.ok(history, readF);
    Map<String, List<Operation>> readsByNode = new TreeMap<>();
    Map<Operation, Set<Object>> readSets = new HashMap<>();
    Set<Object> everRead = new HashSet<>();
    for (Operation r : reads) {
      Set<Object> s = new HashSet<>(Operations.elements(r));
      readSets.put(r, s);
      everRead.addAll(s);
      readsByNode.computeIfAbsent(Operations.node(r), k -> new ArrayList<>()).add(r);
    }

    Map<Object, List<String>> lost = new LinkedHashMap<>();
    Set<Object> stale = new LinkedHashSet<>();
    Set<Object> neverRead = new LinkedHashSet<>();
    List<Double> latenciesMs = new ArrayList<>();
    for (Map.Entry<Object, Operation> e : acked.entrySet()) {
      Object element = e.getKey();
      Operation add = e.getValue();
      long ackIndex = add.completion().index();
      long stableFrom = Long.MIN_VALUE;
      boolean complete = true;
      for (Map.Entry<String, List<Operation>> byNode : readsByNode.entrySet()) {
        List<Operation> nodeReads = byNode.getValue();
        int first = firstReadAfter(nodeReads, ackIndex);
        if (first == nodeReads.size()) {
          neverRead.add(element);
          complete = false;
          continue;
        }
        if (!readSet(readSets, nodeReads.get(nodeReads.size() - 1)).contains(element)) {
          lost.computeIfAbsent(element, k -> new ArrayList<>()).add(byNode.getKey());
          complete = false;
          continue;
        }
        int lastAbsent = -1;
        for (int i = first; i < nodeReads.size(); i++) {
          if (!readSet(readSets, nodeReads.get(i)).contains(element)) {
            lastAbsent = i;
          }
        }
        if (lastAbsent >= 0) {
          stale.add(element);
        }
        Operation stableRead = nodeReads.get(lastAbsent >= 0 ? lastAbsent + 1 : first);
        stableFrom = Math.max(stableFrom, stableRead.invocation().timeNanos());
      }
      if (complete && !readsByNode.isEmpty()) {
        long nanos = stableFrom - add.invocation().timeNanos();
        latenciesMs.add(Math.max(0, nanos) / 1e6);
      }
    }
    Set<Object> unexpected = new LinkedHashSet<>();
    int recovered = 0;
    for (Object o : everRead) {
      if (!attempted.contains(o)) {
        unexpected.add(o);
      } else if (!acked.containsKey(o)) {
        recovered++;
      }
    }

    Validity validity;
    String whyUnknown = null;
    if (!lost.isEmpty() || !unexpected.isEmpty()) {
      validity = Validity.INVALID;
    } else if (acked.isEmpty()) {
      validity = Validity.UNKNOWN;
      whyUnknown = "no add was acknowledged";
    } else if (reads.isEmpty()) {
      validity = Validity.UNKNOWN;
      whyUnknown = "no read";
    } else if (!neverRead.isEmpty()) {
      validity = Validity.UNKNOWN;
      whyUnknown = neverRead.size() + " acknowledged elements were never read by some reader";
    } else {
      validity = Validity.VALID;
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("readers", new ArrayList<>(readsByNode.keySet()));
    d.put("attempt-count", attempted.size());
    d.put("acknowledged-count", acked.size());
    d.put("stable-count", latenciesMs.size());
    d.put("lost-count", lost.size());
    Map<String, Object> lostShown = new LinkedHashMap<>();
    for (Object k : Operations.first(lost.keySet(), LIST_LIMIT)) {
      lostShown.put(String.valueOf(k), lost.get(k));
    }
    d.put("lost", lostShown);
    d.put("stale-count", stale.size());
    d.put("stale", Operations.first(stale, LIST_LIMIT));
    d.put("never-read-count", neverRead.size());
    d.put("unexpected-count", unexpected.size());
    d.put("unexpected", Operations.first(unexpected, LIST_LIMIT));
    d.put("recovered-count", recovered);
    d.put("stable-latency-ms", quantiles(latenciesMs));
    if (whyUnknown != null) {
      d.put("why-unknown", whyUnknown);
    }
    return CheckResult.of(validity, d);
  }

  /**
   * Index of the first read invoked after the given event index (reads are in invocation order).
   */
  private static int firstReadAfter(List<Operation> reads, long index) {
    int lo = 0;
    int hi = reads.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (reads.get(mid).invocation().index() > index) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /**
   * Computes quantiles (nearest rank below) of a sample.
   *
   * @param values the sample
   * @return quantile (as text, for example {@code "0.95"}) to value; empty for an empty sample
   */
  static Map<String, Double> quantiles(Collection<Double> values) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (values.isEmpty()) {
      return out;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    for (double q : QUANTILES) {
      int i = (int) Math.floor(q * (sorted.size() - 1));
      out.put(q == 0 ? "0" : q == 1 ? "1" : Double.toString(q), sorted.get(i));
    }
    return out;
  }

  /** The elements of a read: every read in the per-node lists has its set. */
  private static Set<Object> readSet(Map<Operation, Set<Object>> readSets, Operation read) {
    return Objects.requireNonNull(readSets.get(read));
  }
}
