package org.hybridstore.chaos.checker;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.Operation;

/**
 * No two elements with the same idempotency key appear in one read: a retried create must not
 * produce a second record.
 *
 * <p>Op shape: a read is {@code {:f "read"}} completing OK with a collection of elements; the
 * idempotency key of an element is given by a function (by default the element itself, so a read
 * must not contain the same element twice). Verdict: INVALID when some read holds two elements with
 * one key; UNKNOWN when there is no OK read; VALID otherwise. The details list each duplicated key
 * with the most copies seen and the first read that showed it. Instances are immutable and
 * threadsafe if the key function is.
 */
public final class NoDuplicatesChecker implements Checker {

  private static final int LIST_LIMIT = 20;

  private final String readF;
  private final Function<Object, Object> idempotencyKey;

  /** Creates the checker for {@code read}, keying elements by themselves. */
  public NoDuplicatesChecker() {
    this("read", Function.identity());
  }

  /**
   * Creates the checker.
   *
   * @param readF the function of reads
   * @param idempotencyKey maps an element to its idempotency key
   */
  public NoDuplicatesChecker(String readF, Function<Object, Object> idempotencyKey) {
    this.readF = Objects.requireNonNull(readF, "readF");
    this.idempotencyKey = Objects.requireNonNull(idempotencyKey, "idempotencyKey");
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if a read's value is not a collection
   */
  @Override
  public CheckResult check(History history) {
    Map<Object, Integer> maxCopies = new LinkedHashMap<>();
    Map<Object, Long> firstSeenAt = new LinkedHashMap<>();
    int reads = 0;
    for (Operation read : Operations.ok(history, readF)) {
      reads++;
      Map<Object, Integer> counts = new HashMap<>();
      for (Object element : Operations.elements(read)) {
        counts.merge(idempotencyKey.apply(element), 1, Integer::sum);
      }
      for (Map.Entry<Object, Integer> e : counts.entrySet()) {
        if (e.getValue() > 1) {
          maxCopies.merge(e.getKey(), e.getValue(), Math::max);
          firstSeenAt.putIfAbsent(e.getKey(), read.completion().index());
        }
      }
    }
    Validity validity =
        !maxCopies.isEmpty() ? Validity.INVALID : reads == 0 ? Validity.UNKNOWN : Validity.VALID;
    Map<String, Object> dups = new LinkedHashMap<>();
    for (Object key : Operations.first(maxCopies.keySet(), LIST_LIMIT)) {
      dups.put(
          String.valueOf(key),
          Map.of("copies", maxCopies.get(key), "first-read-index", firstSeenAt.get(key)));
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("read-count", reads);
    d.put("duplicated-count", maxCopies.size());
    d.put("duplicated", dups);
    return CheckResult.of(validity, d);
  }
}
