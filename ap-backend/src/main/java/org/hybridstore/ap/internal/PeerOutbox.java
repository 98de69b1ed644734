package org.hybridstore.ap.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.PeerNetwork;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.jspecify.annotations.Nullable;

/**
 * Outgoing messages to one peer: a queue of at most {@code capacity} messages that drops the
 * oldest when full (anti-entropy repairs whatever is dropped), drained one send at a time. A slow
 * or unreachable peer therefore costs at most {@code capacity} messages of memory, and a send that
 * never completes is abandoned after a timeout. Thread-safe.
 */
final class PeerOutbox {
  private final String address;
  private final PeerNetwork network;
  private final int capacity;
  private final Counters counters;
  private final Duration sendTimeout;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<WireMessage> queue = new ArrayDeque<>();
  private boolean sending;

  PeerOutbox(String address, PeerNetwork network, int capacity, Counters counters, Duration sendTimeout) {
    this.address = address;
    this.network = network;
    this.capacity = capacity;
    this.counters = counters;
    this.sendTimeout = sendTimeout;
  }

  /** Queues a message, dropping the oldest queued one if the queue is full. */
  void offer(WireMessage message) {
    lock.lock();
    try {
      if (queue.size() >= capacity) {
        queue.pollFirst();
        counters.droppedQueueFull();
      }
      queue.addLast(message);
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

  private void drain() {
    while (true) {
      WireMessage next;
      lock.lock();
      try {
        if (sending || queue.isEmpty()) {
          return;
        }
        next = queue.pollFirst();
        sending = true;
      } finally {
        lock.unlock();
      }
      counters.sent();
      CompletableFuture<Void> sent = network.send(address, next)
          .orTimeout(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!sent.isDone()) {
        sent.whenComplete((ok, e) -> {
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
