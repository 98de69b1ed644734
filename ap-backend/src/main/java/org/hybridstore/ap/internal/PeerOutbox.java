package org.hybridstore.ap.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.PeerNetwork;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.jspecify.annotations.Nullable;

/**
 * Outgoing messages to one peer: a queue of at most {@code capacity} messages and {@code
 * capacityBytes} bytes (estimated from what each message carries) that drops the oldest when full
 * (anti-entropy repairs whatever is dropped), drained one send at a time. A slow or unreachable
 * peer therefore costs at most {@code capacityBytes} of memory, plus the one message in flight, and
 * a send that never completes is abandoned after a timeout. Thread-safe.
 */
final class PeerOutbox {
  private final String address;
  private final PeerNetwork network;
  private final int capacity;
  private final long capacityBytes;
  private final Counters counters;
  private final Duration sendTimeout;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<WireMessage> queue = new ArrayDeque<>();
  private long queuedBytes;
  private boolean sending;

  PeerOutbox(
      String address,
      PeerNetwork network,
      int capacity,
      long capacityBytes,
      Counters counters,
      Duration sendTimeout) {
    this.address = address;
    this.network = network;
    this.capacity = capacity;
    this.capacityBytes = capacityBytes;
    this.counters = counters;
    this.sendTimeout = sendTimeout;
  }

  /** Queues a message, dropping the oldest queued ones while the queue is full. */
  void offer(WireMessage message) {
    long size = estimatedBytes(message);
    lock.lock();
    try {
      while (!queue.isEmpty() && (queue.size() >= capacity || queuedBytes + size > capacityBytes)) {
        queuedBytes -= estimatedBytes(queue.pollFirst());
        counters.droppedQueueFull();
      }
      queue.addLast(message);
      queuedBytes += size;
    } finally {
      lock.unlock();
    }
    drain();
  }

  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  long queuedBytes() {
    lock.lock();
    try {
      return queuedBytes;
    } finally {
      lock.unlock();
    }
  }

  /** What a message holds in memory, roughly: its payload plus a fixed overhead. */
  static long estimatedBytes(WireMessage m) {
    long bytes = 64;
    if (m instanceof WireMessage.Push p) {
      for (byte[] r : p.records()) {
        bytes += r.length + 16;
      }
    } else if (m instanceof WireMessage.Digest d) {
      for (String id : d.entries().keySet()) {
        bytes += 2L * id.length() + 64;
      }
    } else if (m instanceof WireMessage.Pull p) {
      bytes += 48L * p.ids().size();
      for (OrderId id : p.ids()) {
        bytes += 2L * id.value().length();
      }
    }
    return bytes;
  }

  private void drain() {
    while (true) {
      WireMessage next;
      lock.lock();
      try {
        if (sending || queue.isEmpty()) {
          return;
        }
        next = queue.pollFirst();
        queuedBytes -= estimatedBytes(next);
        sending = true;
      } finally {
        lock.unlock();
      }
      counters.sent();
      CompletableFuture<Void> sent =
          network.send(address, next).orTimeout(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!sent.isDone()) {
        sent.whenComplete(
            (ok, e) -> {
              finished(e);
              drain();
            });
        return;
      }
      // Completed at once (a refused connection, a blocked peer): loop instead of recursing.
      finished(sent.isCompletedExceptionally() ? new IllegalStateException("send failed") : null);
    }
  }

  private void finished(@Nullable Throwable failure) {
    if (failure != null) {
      counters.sendFailure();
    }
    lock.lock();
    try {
      sending = false;
    } finally {
      lock.unlock();
    }
  }
}
