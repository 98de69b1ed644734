package org.hybridstore.chaos.mutants;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hybridstore.OrderId;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend.ChangeListener;
import org.hybridstore.spi.StrongBackendFactory;

/**
 * The etcd watch "optimises" a response that holds several versions of one order down to the last
 * one. The replica only needs the last version, so it stays right; the order change feed, which
 * promises every version, skips the others (a watch that catches up after an outage delivers many
 * revisions per response).
 */
public final class CoalescingWatch extends AbstractMutant {
  /** Creates the mutant. */
  public CoalescingWatch() {
    super(
        "coalescing-watch",
        "the change feed skips versions the watch coalesced",
        List.of("change-feed"),
        List.of("kill-etcd-majority"));
  }

  @Override
  public StrongBackendFactory strong(StrongBackendFactory real) {
    return context ->
        new DelegatingStrongBackend(real.create(context)) {
          @Override
          public AutoCloseable watch(long fromRevision, ChangeListener listener) {
            return real.watch(
                fromRevision,
                new ChangeListener() {
                  @Override
                  public void onChanges(List<OrderRecord> records, long revision) {
                    listener.onChanges(records, revision);
                  }

                  @Override
                  public void onEvents(List<StoredRecord> events, long revision) {
                    Map<OrderId, StoredRecord> last = new LinkedHashMap<>();
                    for (StoredRecord e : events) {
                      last.remove(e.record().id());
                      last.put(e.record().id(), e);
                    }
                    List<StoredRecord> kept = new ArrayList<>();
                    for (StoredRecord e : events) {
                      if (last.get(e.record().id()) == e) {
                        kept.add(e);
                      }
                    }
                    listener.onEvents(kept, revision);
                  }

                  @Override
                  public void onResync(List<StoredRecord> page, long revision, boolean last) {
                    listener.onResync(page, revision, last);
                  }
                });
          }
        };
  }
}
