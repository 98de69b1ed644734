package org.hybridstore.ap.internal.wire;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.jspecify.annotations.Nullable;

/**
 * The allow-list: every message one node may send another. {@link WireCodec} maps each to a JSON
 * object with a {@code "type"} field and refuses every other type.
 *
 * <p>Replication: a local write sends {@link Push} to every live peer. Anti-entropy: every interval
 * a node sends each peer a {@link Summary} of its replica; a peer whose summary differs answers
 * with {@link Digest} pages (order id to record hash, in id order); the receiver of a page pushes
 * its records that the page lacks or that differ, sends {@link Pull} for the ones it lacks or that
 * differ, and asks for the next page with {@link More}. Both sides end with the join.
 */
public sealed interface WireMessage {
  /** Returns the sending node. */
  NodeId from();

  /**
   * Records for the receiver to merge into its replica.
   *
   * @param from the sender
   * @param records encoded records ({@code RecordCodec} JSON), at least one
   */
  record Push(NodeId from, List<byte[]> records) implements WireMessage {
    /** Copies the list. */
    public Push {
      Objects.requireNonNull(from, "from");
      records = List.copyOf(records);
    }
  }

  /**
   * A summary of the sender's replica: if the receiver's differs it starts a digest exchange.
   *
   * @param from the sender
   * @param count how many records
   * @param xor XOR of the hashes of (order id, record hash) over all records
   */
  record Summary(NodeId from, long count, long xor) implements WireMessage {
    /** Checks the fields. */
    public Summary {
      Objects.requireNonNull(from, "from");
    }
  }

  /**
   * One page of the sender's digest: every order id the sender holds in {@code [start, end]} (or
   * from {@code start} on if {@code end} is null) with its record hash.
   *
   * @param from the sender
   * @param start first order id the page covers (inclusive, "" for the beginning)
   * @param end last order id the page covers (inclusive), or null for "to the end"
   * @param entries order id to record hash
   */
  record Digest(NodeId from, String start, @Nullable String end, SortedMap<String, Long> entries)
      implements WireMessage {
    /** Copies the map. */
    public Digest {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(start, "start");
      entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    }
  }

  /**
   * Asks the receiver for its next digest page after an order id.
   *
   * @param from the sender
   * @param after the last order id of the previous page
   */
  record More(NodeId from, String after) implements WireMessage {
    /** Checks the fields. */
    public More {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(after, "after");
    }
  }

  /**
   * Asks the receiver to push these records.
   *
   * @param from the sender
   * @param ids the orders
   */
  record Pull(NodeId from, List<OrderId> ids) implements WireMessage {
    /** Copies the list. */
    public Pull {
      Objects.requireNonNull(from, "from");
      ids = List.copyOf(ids);
    }
  }
}
