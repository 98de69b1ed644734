package org.hybridstore.chaos.checker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hybridstore.chaos.checker.WglSearch.SearchOp;
import org.hybridstore.chaos.checker.model.RegisterLike;
import org.hybridstore.chaos.checker.model.RegisterLike.Access;
import org.hybridstore.chaos.checker.model.RegisterLike.Effect;
import org.hybridstore.chaos.history.Op;
import org.jspecify.annotations.Nullable;

/**
 * A cheap pre-pass that proves the common violations of a register-like partition before the
 * exhaustive search, so that such a history is INVALID in milliseconds however hard the search
 * would be.
 *
 * <p>It is sound: it reports a violation only when no linearization exists, and otherwise says
 * nothing (the search decides). It works on the search's own operations, so unknown outcomes,
 * dropped failures and the other options mean the same here. An <em>observer</em> is an OK read of
 * {@code x}, or an OK cas that found {@code x}. Two proofs:
 *
 * <ul>
 *   <li><b>never written</b>: {@code x} is not the initial value, nor a value any write or cas
 *       (including those with unknown outcome) could install, nor, for a string register with
 *       appends, any such value followed by appended suffixes (reusing suffixes is allowed, which
 *       over-approximates what can be built and keeps the proof sound);
 *   <li><b>stale read</b>: an OK operation {@code w} returned before the observer was invoked and
 *       left the register in a state from which {@code x} cannot be reached without another write
 *       (it wrote a value other than {@code x}, or, with appends, one that is not a prefix of
 *       {@code x}, or appended a suffix {@code x} does not contain). Then some write or cas that
 *       could (re)install {@code x} must take effect after {@code w} and before the observer: it
 *       must not have returned before {@code w} was invoked and must have been invoked before the
 *       observer returned. When there is none, the history is not linearizable.
 * </ul>
 *
 * Ignoring constraints (the expected value of a cas that installs, failed cas observations, lenient
 * nil reads) only widens what the pre-pass considers possible, so it stays sound.
 */
final class PrePass {

  /** What a proof shows. */
  enum Kind {
    /** The observer saw a value that an earlier, completed operation had replaced for good. */
    STALE_READ,
    /** The observer saw a value that no operation wrote. */
    NEVER_WRITTEN
  }

  /**
   * A proof that the partition is not linearizable.
   *
   * @param kind the kind
   * @param observer the read (or cas) that cannot be linearized
   * @param overwriter for a stale read, the completed operation that replaced the value
   * @param explanation one sentence for the counterexample
   */
  record Proof(Kind kind, SearchOp observer, @Nullable SearchOp overwriter, String explanation) {}

  /**
   * How many completed overwriters, newest first, a stale-read check considers. Any subset keeps
   * the proof sound; the newest one is the strongest, and a cap keeps the pass linear.
   */
  private static final int MAX_OVERWRITERS_SCANNED = 4;

  private PrePass() {}

  /**
   * Looks for a proof in one partition.
   *
   * @param view the partition model's register view
   * @param ops the partition's operations, as the search gets them
   * @return the proof whose observer returned first, or null when none was found
   */
  static @Nullable Proof find(RegisterLike view, List<SearchOp> ops) {
    Map<Object, List<Item>> registers = new LinkedHashMap<>();
    for (SearchOp op : ops) {
      Access a = view.access(op.call());
      if (a == null) {
        return null;
      }
      if (a.effect() != Effect.NONE) {
        registers.computeIfAbsent(a.register(), k -> new ArrayList<>()).add(new Item(op, a));
      }
    }
    @Nullable Proof best = null;
    for (List<Item> items : registers.values()) {
      Proof p = new Register(view.initialValue(), items).prove();
      if (p != null && (best == null || p.observer().returnPos() < best.observer().returnPos())) {
        best = p;
      }
    }
    return best;
  }

  private record Item(SearchOp op, Access access) {
    boolean ok() {
      return op.call().outcome() == org.hybridstore.chaos.checker.model.Call.Outcome.OK;
    }

    Effect effect() {
      return access.effect();
    }
  }

  /** The analysis of one register. */
  // Items are compared by identity: there is one per operation.
  @SuppressWarnings("ReferenceEquality")
  private static final class Register {
    private final @Nullable Object initial;
    private final boolean appends;

    /** Writes and cas, whatever their outcome: what can install a whole value. */
    private final List<Item> installers = new ArrayList<>();

    private final Map<Object, List<Item>> installersByValue = new HashMap<>();

    /** OK writes, cas and appends, newest invocation first. */
    private final List<Item> overwriters = new ArrayList<>();

    private final List<Item> observers = new ArrayList<>();

    /** Distinct non-empty append suffixes. */
    private final Suffixes suffixes = new Suffixes();

    private final Map<Object, Boolean> producible = new HashMap<>();

    Register(@Nullable Object initial, List<Item> items) {
      this.initial = initial;
      boolean anyAppend = false;
      for (Item it : items) {
        switch (it.effect()) {
          case READ -> {
            if (it.ok()) {
              observers.add(it);
            }
          }
          case WRITE, CAS -> {
            installers.add(it);
            installersByValue.computeIfAbsent(it.access().value(), v -> new ArrayList<>()).add(it);
            if (it.ok()) {
              overwriters.add(it);
              if (it.effect() == Effect.CAS) {
                observers.add(it);
              }
            }
          }
          case APPEND -> {
            anyAppend = true;
            if (it.access().value() instanceof String s && !s.isEmpty()) {
              suffixes.add(s);
              if (it.ok()) {
                overwriters.add(it);
              }
            }
          }
          default -> {
            // NONE is filtered out before
          }
        }
      }
      this.appends = anyAppend;
      overwriters.sort(Comparator.comparingLong((Item it) -> it.op().callPos()).reversed());
    }

    @Nullable Proof prove() {
      @Nullable Proof best = null;
      for (Item r : observers) {
        if (best != null && r.op().returnPos() > best.observer().returnPos()) {
          continue;
        }
        Object x = r.access().observed();
        @Nullable Proof p = null;
        if (!producible(x, r)) {
          p =
              new Proof(
                  Kind.NEVER_WRITTEN,
                  r.op(),
                  null,
                  "it read "
                      + show(x)
                      + ", which no operation wrote"
                      + (appends ? " or could have assembled by appending" : "")
                      + (Objects.equals(initial, x) ? "" : " and which is not the initial value"));
        } else {
          Item w = latestOverwriter(x, r);
          if (w != null && !hasReinstaller(x, w, r)) {
            p =
                new Proof(
                    Kind.STALE_READ,
                    r.op(),
                    w.op(),
                    "it read "
                        + show(x)
                        + ", but "
                        + effect(w)
                        + " and returned before it was invoked, and no write that could bring "
                        + "that value back can take effect in between");
          }
        }
        if (p != null && (best == null || p.observer().returnPos() < best.observer().returnPos())) {
          best = p;
        }
      }
      return best;
    }

    private static String effect(Item w) {
      Object v = w.access().value();
      return switch (w.effect()) {
        case APPEND -> "the operation below appended " + show(v) + ", which the value read lacks,";
        default -> "the operation below wrote " + show(v);
      };
    }

    /** A value for the explanation, shortened in the middle when long. */
    private static String show(@Nullable Object v) {
      String s = Op.formatValue(v);
      return s.length() <= 80 ? s : s.substring(0, 38) + "..." + s.substring(s.length() - 38);
    }

    /** Whether x could be the register's value at some point (over-approximated). */
    private boolean producible(@Nullable Object x, Item self) {
      if (!appends) {
        return Objects.equals(x, initial) || hasOther(installersByValue.get(x), self);
      }
      if (!(x instanceof String xs)) {
        return true;
      }
      // The proof excludes self, so a cas that installs x cannot explain its own observation.
      boolean cacheable = self.effect() != Effect.CAS;
      if (cacheable && producible.containsKey(x)) {
        return producible.get(x);
      }
      boolean result = assemble(xs, self);
      if (cacheable) {
        producible.put(x, result);
      }
      return result;
    }

    /** Dynamic programming over prefixes of x: a start value, then appended suffixes. */
    private boolean assemble(String xs, Item self) {
      boolean[] reach = new boolean[xs.length() + 1];
      if (!markStart(reach, xs, initial)) {
        return true;
      }
      for (Item i : installers) {
        if (i != self && !markStart(reach, xs, i.access().value())) {
          return true;
        }
      }
      suffixes.extend(xs, reach);
      return reach[xs.length()];
    }

    /** Marks a start value that is a prefix of x; false when the value is not a string (unsure). */
    private static boolean markStart(boolean[] reach, String xs, @Nullable Object start) {
      if (!(start instanceof String s)) {
        return false;
      }
      if (xs.startsWith(s)) {
        reach[s.length()] = true;
      }
      return true;
    }

    /** The OK operation invoked last among those that returned before r was invoked and block x. */
    private @Nullable Item latestOverwriter(@Nullable Object x, Item r) {
      long invoked = r.op().callPos();
      int lo = 0;
      int hi = overwriters.size();
      // First overwriter invoked before r (the list is newest-first): later ones cannot precede r.
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (overwriters.get(mid).op().callPos() >= invoked) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      int scanned = 0;
      for (int i = lo; i < overwriters.size() && scanned < MAX_OVERWRITERS_SCANNED; i++) {
        Item w = overwriters.get(i);
        if (w.op().returnPos() >= invoked) {
          continue;
        }
        scanned++;
        if (blocks(w, x)) {
          return w;
        }
      }
      return null;
    }

    /** Whether, right after w, x is unreachable without another write or cas. */
    private boolean blocks(Item w, @Nullable Object x) {
      Object v = w.access().value();
      if (w.effect() == Effect.APPEND) {
        return x instanceof String xs && !xs.contains((String) v);
      }
      if (!appends) {
        return !Objects.equals(v, x);
      }
      return x instanceof String xs && v instanceof String vs && !xs.startsWith(vs);
    }

    /** Whether a write or cas that could leave x may take effect after w and before r. */
    private boolean hasReinstaller(@Nullable Object x, Item w, Item r) {
      List<Item> candidates = appends ? installers : installersByValue.get(x);
      if (candidates == null) {
        return false;
      }
      for (Item i : candidates) {
        if (i == r || i == w) {
          continue;
        }
        boolean inWindow =
            i.op().returnPos() > w.op().callPos() && i.op().callPos() < r.op().returnPos();
        if (inWindow && (!appends || leadsTo(i.access().value(), x))) {
          return true;
        }
      }
      return false;
    }

    private static boolean leadsTo(@Nullable Object installed, @Nullable Object x) {
      return !(installed instanceof String s && x instanceof String xs) || xs.startsWith(s);
    }

    private static boolean hasOther(@Nullable List<Item> items, Item self) {
      if (items == null) {
        return false;
      }
      for (Item i : items) {
        if (i != self) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * The append suffixes of a register, to find which of them occur at a position of a string:
   * suffixes are indexed by length and polynomial hash, so a lookup costs one hash of a slice of
   * the string (from its prefix hashes) and, on a match, one comparison.
   */
  private static final class Suffixes {
    private static final long BASE = 0x100000001B3L;
    private final Map<Long, List<String>> byHash = new HashMap<>();
    private final List<Integer> lengths = new ArrayList<>();
    private long[] powers = new long[0];

    void add(String s) {
      List<String> same = byHash.computeIfAbsent(hash(s), h -> new ArrayList<>(1));
      if (same.contains(s)) {
        return;
      }
      same.add(s);
      if (!lengths.contains(s.length())) {
        lengths.add(s.length());
        lengths.sort(null);
      }
    }

    private static long hash(String s) {
      long h = 0;
      for (int i = 0; i < s.length(); i++) {
        h = h * BASE + s.charAt(i);
      }
      return h;
    }

    /** Sets reach[p + length] for every suffix that occurs in xs at a position p with reach[p]. */
    void extend(String xs, boolean[] reach) {
      if (lengths.isEmpty()) {
        return;
      }
      int maxLength = lengths.get(lengths.size() - 1);
      if (powers.length <= maxLength) {
        powers = new long[maxLength + 1];
        powers[0] = 1;
        for (int i = 1; i <= maxLength; i++) {
          powers[i] = powers[i - 1] * BASE;
        }
      }
      long[] prefix = new long[xs.length() + 1];
      for (int i = 0; i < xs.length(); i++) {
        prefix[i + 1] = prefix[i] * BASE + xs.charAt(i);
      }
      for (int pos = 0; pos < xs.length(); pos++) {
        if (!reach[pos]) {
          continue;
        }
        for (int length : lengths) {
          int end = pos + length;
          if (end > xs.length()) {
            break;
          }
          if (reach[end]) {
            continue;
          }
          List<String> candidates = byHash.get(prefix[end] - prefix[pos] * powers[length]);
          if (candidates != null) {
            for (String c : candidates) {
              if (xs.startsWith(c, pos)) {
                reach[end] = true;
                break;
              }
            }
          }
        }
      }
    }
  }
}
