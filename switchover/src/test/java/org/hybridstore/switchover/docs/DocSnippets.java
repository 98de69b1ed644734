package org.hybridstore.switchover.docs;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Flow;
import org.hybridstore.ApConfig;
import org.hybridstore.CpConfig;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderChange;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.WriteResult;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.cp.EtcdBackendFactory;
import org.hybridstore.spi.StrongBackendFactory;
import org.hybridstore.switchover.HybridOrderStore;

/**
 * The code shown in the README and in Javadoc, compiled here so it cannot drift from the API. Each
 * region between {@code // snippet:NAME} and {@code // end-snippet} must appear verbatim (without
 * its indentation) in the document {@link DocSnippetsTest} pairs it with.
 */
final class DocSnippets {
  private DocSnippets() {}

  static WriteResult readmeEmbedding(long lastRevision, Flow.Subscriber<OrderChange> subscriber) {
    // snippet:readme-embedding
    HybridOrderStore store =
        HybridOrderStore.builder()
            .nodeId(NodeId.of("node-1"))
            .strong(
                EtcdBackendFactory.of(
                    CpConfig.builder()
                        .endpoints(List.of(URI.create("http://etcd-1:2379")))
                        .build()))
            .local(
                MapDbBackendFactory.of(
                    ApConfig.builder(Path.of("/var/lib/orders"))
                        .seeds(List.of("node-2:4801"))
                        .peerAuth(
                            PeerAuthConfig.builder()
                                .members(List.of(NodeId.of("node-1"), NodeId.of("node-2")))
                                .secretFiles(List.of(Path.of("/etc/hybridstore/peer-secret")))
                                .build()) // required: see docs/security.md
                        .build()))
            .build();
    WriteResult r =
        store
            .sync()
            .apply(OrderCommand.Create.of(OrderId.of("o-17"), OpId.random(), "customer-9", "EUR"));
    // r.acceptance(): STRONG (committed in etcd) or PROVISIONAL (durable here, folded in later)
    r.confirmation().thenAccept(c -> System.out.println("in etcd at revision " + c.revision()));
    store.changes(lastRevision).subscribe(subscriber); // every committed change, in revision order
    // end-snippet
    store.close();
    return r;
  }

  static WriteResult storeJavadoc(CpConfig cpConfig, ApConfig apConfig, OrderId id) {
    // snippet:hybrid-order-store
    HybridOrderStore store =
        HybridOrderStore.builder()
            .nodeId(NodeId.of("node-1"))
            .strong(EtcdBackendFactory.of(cpConfig))
            .local(MapDbBackendFactory.of(apConfig))
            .build();
    WriteResult r =
        store.sync().apply(OrderCommand.Create.of(id, OpId.random(), "customer-7", "EUR"));
    // end-snippet
    store.close();
    return r;
  }

  static HybridOrderStore.Builder journalJavadoc(CpConfig cpConfig, ApConfig apConfig) {
    return HybridOrderStore.builder()
        // snippet:mapdb-backend-factory
        .strong(EtcdBackendFactory.of(cpConfig))
        .local(MapDbBackendFactory.of(apConfig))
    // end-snippet
    ;
  }

  static StrongBackendFactory etcdJavadoc() {
    // snippet:etcd-backend-factory
    StrongBackendFactory cp =
        EtcdBackendFactory.of(
            CpConfig.builder()
                .endpoints(
                    List.of(URI.create("http://10.0.0.1:2379"), URI.create("http://10.0.0.2:2379")))
                .build());
    // end-snippet
    return cp;
  }
}
