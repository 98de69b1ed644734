package org.hybridstore.chaos.checker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.hybridstore.chaos.checker.model.Call;
import org.hybridstore.chaos.checker.model.Model;
import org.jspecify.annotations.NullUnmarked;

/**
 * The Wing-Gong-Lowe linearizability search for one partition, with Lowe's memoisation of
 * (linearized set, state) pairs, as in Porcupine's {@code checkSingle}.
 *
 * <p>Events live in a doubly linked list in real-time order. The search walks it: at a call it
 * tries to linearize the operation now (apply the model step, "lift" the call and its return out of
 * the list, push a frame) unless the resulting configuration is already in the cache; at a return
 * it has failed to linearize that operation before it returned, so it backtracks (pops a frame,
 * "unlifts" the operation, tries the next entry). The history is linearizable when the list
 * empties, or when the first remaining return belongs to an operation with unknown outcome: every
 * closed operation is then linearized, and the open ones may take effect later or never.
 *
 * <p>An operation whose outcome is unknown but whose return is at a finite position (only under the
 * {@code CLOSE_AT_COMPLETION} trap semantics) has a second alternative: linearize it as a no-op.
 * Not threadsafe; one instance per search.
 *
 * @param <S> the model state
 */
// The search's linked list and resumable state hold nulls at the list's ends and between turns, as
// the algorithm's invariants allow; its correctness is held against brute force
// (BruteForceAgreementTest), not annotated reference by reference.
@NullUnmarked
final class WglSearch<S> {

  /** One operation to linearize. */
  record SearchOp(
      int id, Call call, long callPos, long returnPos, boolean open, boolean mayBeNoOp) {}

  /** The outcome of one search. */
  record Outcome<S>(
      Validity validity, String unknownReason, long cacheEntries, Failure<S> failure) {}

  /** Where the search got furthest before failing: the op whose return could not be passed. */
  record Failure<S>(
      SearchOp op,
      List<S> states,
      List<SearchOp> prefixTail,
      List<S> prefixTailStates,
      int prefixLength) {}

  /** The unknown reason of a search stopped by its {@code cancelled} supplier. */
  static final String CANCELLED = "cancelled";

  private static final int MAX_STATES = 10;
  private static final int PREFIX_TAIL = 12;

  private static final class Node {
    final int op;
    final boolean isCall;
    final boolean openReturn;
    final long pos;
    Node match;
    Node prev;
    Node next;

    Node(int op, boolean isCall, boolean openReturn, long pos) {
      this.op = op;
      this.isCall = isCall;
      this.openReturn = openReturn;
      this.pos = pos;
    }
  }

  private record Frame<S>(Node call, S before, int alternative) {}

  /**
   * The memoised (linearized set, state) configurations: an open-addressing hash set that is probed
   * without allocating. The set's hash is kept incrementally (an XOR of one random word per
   * operation, as in Zobrist hashing), so a probe costs the state's hash and, on a hash match, a
   * comparison; only an insertion copies the bit set. Porcupine clones the bit set on every
   * attempt, hit or miss.
   */
  private final class Cache {
    private long[][] bits = new long[1 << 6][];
    private Object[] states = new Object[1 << 6];
    private int[] hashes = new int[1 << 6];
    private int size;

    int size() {
      return size;
    }

    /**
     * Adds the configuration (current set plus op, next) unless present.
     *
     * @return true when it was added
     */
    boolean add(long setHash, int op, S next) {
      int h = mix(setHash ^ zobrist[op], model.stateHash(next));
      int mask = hashes.length - 1;
      int word = op >>> 6;
      long bit = 1L << op;
      for (int i = h & mask; ; i = (i + 1) & mask) {
        long[] b = bits[i];
        if (b == null) {
          long[] copy = linearized.clone();
          copy[word] |= bit;
          bits[i] = copy;
          states[i] = next;
          hashes[i] = h;
          if (++size * 2 > hashes.length) {
            grow();
          }
          return true;
        }
        if (hashes[i] == h && sameSet(b, word, bit) && model.stateEquals(next, state(i))) {
          return false;
        }
      }
    }

    @SuppressWarnings("unchecked")
    private S state(int i) {
      return (S) states[i];
    }

    private boolean sameSet(long[] b, int word, long bit) {
      for (int w = 0; w < b.length; w++) {
        if (b[w] != (w == word ? linearized[w] | bit : linearized[w])) {
          return false;
        }
      }
      return true;
    }

    private void grow() {
      long[][] oldBits = bits;
      Object[] oldStates = states;
      int[] oldHashes = hashes;
      bits = new long[oldBits.length * 2][];
      states = new Object[oldBits.length * 2];
      hashes = new int[oldBits.length * 2];
      int mask = hashes.length - 1;
      for (int j = 0; j < oldBits.length; j++) {
        if (oldBits[j] == null) {
          continue;
        }
        int i = oldHashes[j] & mask;
        while (bits[i] != null) {
          i = (i + 1) & mask;
        }
        bits[i] = oldBits[j];
        states[i] = oldStates[j];
        hashes[i] = oldHashes[j];
      }
    }

    private static int mix(long setHash, int stateHash) {
      long h = (setHash ^ (stateHash * 0x9E3779B97F4A7C15L)) * 0xFF51AFD7ED558CCDL;
      return (int) (h ^ (h >>> 32));
    }
  }

  private final Model<S> model;
  private final List<SearchOp> ops;
  private final long deadlineNanos;
  private final long maxCacheEntries;
  private final BooleanSupplier cancelled;

  private final Cache cache = new Cache();

  /** One random word per operation; the set's hash is the XOR of its members' words. */
  private final long[] zobrist;

  private long setHash;
  // Where a paused search resumes.
  private Node head;
  private Node entry;
  private long iterations;
  private final ArrayDeque<Frame<S>> stack = new ArrayDeque<>();
  private final long[] linearized;
  private S state;

  // Furthest failure seen so far, for the counterexample.
  private long bestPos = -1;
  private SearchOp bestOp;
  private final Set<S> bestStates = new LinkedHashSet<>();
  private List<SearchOp> bestTail = List.of();
  private List<S> bestTailStates = List.of();
  private int bestPrefixLength;

  /**
   * Prepares a search.
   *
   * @param model the model
   * @param ops the operations; {@code id} must equal the position in the list
   * @param deadlineNanos the {@link System#nanoTime()} after which the search gives up
   * @param maxCacheEntries the cache bound after which the search gives up
   * @param cancelled polled now and then; when it returns true the search stops with UNKNOWN
   */
  WglSearch(
      Model<S> model,
      List<SearchOp> ops,
      long deadlineNanos,
      long maxCacheEntries,
      BooleanSupplier cancelled) {
    this.model = model;
    this.ops = ops;
    this.deadlineNanos = deadlineNanos;
    this.maxCacheEntries = maxCacheEntries;
    this.cancelled = cancelled;
    this.linearized = new long[(ops.size() + 63) / 64];
    this.zobrist = new long[ops.size()];
    SplittableRandom rnd = new SplittableRandom(0x5EED);
    for (int i = 0; i < zobrist.length; i++) {
      zobrist[i] = rnd.nextLong();
    }
  }

  /**
   * Returns how many configurations the search has memoised so far.
   *
   * @return the cache size
   */
  long cacheSize() {
    return cache.size();
  }

  /**
   * Runs the search to the end.
   *
   * @return the outcome
   */
  Outcome<S> run() {
    Outcome<S> o = resume(Long.MAX_VALUE);
    while (o == null) {
      o = resume(Long.MAX_VALUE);
    }
    return o;
  }

  /**
   * Runs the search for at most {@code steps} more steps (a step tries one list entry), so that a
   * caller can take turns between several searches.
   *
   * @param steps the most steps to take now
   * @return the outcome, or null when the search is not finished yet
   */
  Outcome<S> resume(long steps) {
    if (head == null) {
      head = buildList();
      state = model.init();
      entry = head.next;
    }
    for (long taken = 0; head.next != null; taken++) {
      if (taken == steps) {
        return null;
      }
      if ((++iterations & 0x3FF) == 0) {
        if (System.nanoTime() - deadlineNanos > 0) {
          return unknown("time limit exceeded");
        }
        if (cancelled.getAsBoolean()) {
          return unknown(CANCELLED);
        }
      }
      if (cache.size() >= maxCacheEntries) {
        return unknown("memory budget exceeded (" + cache.size() + " cached configurations)");
      }
      if (entry.isCall) {
        entry = tryLinearize(entry, 0) ? head.next : entry.next;
        continue;
      }
      if (entry.openReturn) {
        // Every closed op is linearized; the remaining ones have unknown outcomes.
        break;
      }
      noteFailure(entry);
      if (stack.isEmpty()) {
        return new Outcome<>(Validity.INVALID, null, cache.size(), failure());
      }
      Frame<S> top = stack.pop();
      state = top.before();
      int id = top.call().op;
      linearized[id >>> 6] &= ~(1L << id);
      setHash ^= zobrist[id];
      unlift(top.call());
      entry = tryLinearize(top.call(), top.alternative() + 1) ? head.next : top.call().next;
    }
    return new Outcome<>(Validity.VALID, null, cache.size(), null);
  }

  private Outcome<S> unknown(String reason) {
    return new Outcome<>(Validity.UNKNOWN, reason, cache.size(), bestOp == null ? null : failure());
  }

  /** Tries the alternatives of a call from {@code from}; on success the call is linearized. */
  private boolean tryLinearize(Node call, int from) {
    SearchOp op = ops.get(call.op);
    int alternatives = op.mayBeNoOp() ? 2 : 1;
    for (int alt = from; alt < alternatives; alt++) {
      S next = alt == 0 ? model.step(state, op.call()) : state;
      if (next == null) {
        continue;
      }
      if (cache.add(setHash, op.id(), next)) {
        stack.push(new Frame<>(call, state, alt));
        state = next;
        linearized[op.id() >>> 6] |= 1L << op.id();
        setHash ^= zobrist[op.id()];
        lift(call);
        return true;
      }
    }
    return false;
  }

  private void noteFailure(Node ret) {
    if (ret.pos > bestPos) {
      bestPos = ret.pos;
      bestOp = ops.get(ret.op);
      bestStates.clear();
      bestPrefixLength = stack.size();
      // The stack is newest-first; keep the newest PREFIX_TAIL frames, oldest first.
      List<SearchOp> tail = new ArrayList<>();
      List<S> tailStates = new ArrayList<>();
      S after = state;
      for (Frame<S> f : stack) {
        if (tail.size() == PREFIX_TAIL) {
          break;
        }
        tail.add(0, ops.get(f.call().op));
        tailStates.add(0, after);
        after = f.before();
      }
      bestTail = tail;
      bestTailStates = tailStates;
    }
    if (ret.pos == bestPos && bestStates.size() < MAX_STATES) {
      bestStates.add(state);
    }
  }

  private Failure<S> failure() {
    return new Failure<>(
        bestOp, List.copyOf(bestStates), bestTail, bestTailStates, bestPrefixLength);
  }

  private Node buildList() {
    List<Node> events = new ArrayList<>(ops.size() * 2);
    for (SearchOp op : ops) {
      Node call = new Node(op.id(), true, false, op.callPos());
      Node ret = new Node(op.id(), false, op.open(), op.open() ? Long.MAX_VALUE : op.returnPos());
      call.match = ret;
      events.add(call);
      events.add(ret);
    }
    // Real-time order; open returns go last, in call order (ids are in call order).
    events.sort(Comparator.comparingLong((Node n) -> n.pos).thenComparingInt(n -> n.op));
    Node head = new Node(-1, false, false, -1);
    Node prev = head;
    for (Node n : events) {
      prev.next = n;
      n.prev = prev;
      prev = n;
    }
    return head;
  }

  private static void lift(Node call) {
    call.prev.next = call.next;
    call.next.prev = call.prev;
    Node ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Node call) {
    Node ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    call.next.prev = call;
  }
}
