package org.hybridstore.cp.internal;

import java.util.concurrent.atomic.LongAdder;
import org.hybridstore.spi.StrongBackendCounters;

/** The backend's running totals ({@link StrongBackendCounters}); cheap to bump from any thread. */
final class Counters {
  final LongAdder lostCasRaces = new LongAdder();
  final LongAdder writeTransactions = new LongAdder();
  final LongAdder writtenRecords = new LongAdder();
  final LongAdder rerouted = new LongAdder();

  StrongBackendCounters snapshot() {
    return new StrongBackendCounters(
        lostCasRaces.sum(), writeTransactions.sum(), writtenRecords.sum(), rerouted.sum());
  }
}
