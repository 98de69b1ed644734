package org.hybridstore.example;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.JMException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.hybridstore.switchover.HybridOrderStoreMXBean;

/**
 * A stand-in {@link HybridOrderStoreMXBean} in the platform MBean server, for tests of the Jolokia
 * agent without etcd: answers every attribute with a fixed value, and records operations (a forced
 * degrade turns the mode to DEGRADED).
 */
final class FakeStoreMBean implements AutoCloseable {
  final String name = "fake-" + UUID.randomUUID();
  final ObjectName objectName;
  final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile String mode = "STRONG";
  private volatile long epoch = 1;

  FakeStoreMBean() throws JMException {
    objectName =
        ObjectName.getInstance(
            "org.hybridstore:type=HybridOrderStore,name=" + ObjectName.quote(name));
    HybridOrderStoreMXBean impl =
        (HybridOrderStoreMXBean)
            Proxy.newProxyInstance(
                HybridOrderStoreMXBean.class.getClassLoader(),
                new Class<?>[] {HybridOrderStoreMXBean.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "getName", "getNodeId" -> name;
                      case "getMode" -> mode;
                      case "getEpoch" -> epoch;
                      case "getModeSince" -> "2024-01-01T00:00:00Z";
                      case "getLastTransitionReason" -> "started";
                      case "getBreakerState" -> "CLOSED";
                      case "getEtcdMembers", "getPeers" -> new String[0];
                      case "isLastProbeOk", "isJournalWritable" -> true;
                      case "getJournalProblem" -> "";
                      case "getReconcileBacklog", "getPendingConfirmations" -> 0;
                      case "getConfirmationP99Millis" -> 0.0;
                      case "getPeerDrops" -> java.util.Map.of("unauthenticated", 0L);
                      case "forceDegrade" -> {
                        calls.add("forceDegrade:" + args[0]);
                        mode = "DEGRADED";
                        epoch++;
                        yield null;
                      }
                      case "requestReconcile" -> {
                        calls.add("requestReconcile");
                        yield null;
                      }
                      case "hashCode" -> System.identityHashCode(proxy);
                      case "equals" -> proxy == args[0];
                      case "toString" -> "FakeStoreMBean " + name;
                      default -> 0L;
                    });
    ManagementFactory.getPlatformMBeanServer()
        .registerMBean(new StandardMBean(impl, HybridOrderStoreMXBean.class, true), objectName);
  }

  String mode() {
    return mode;
  }

  @Override
  public void close() throws JMException {
    ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
  }
}
