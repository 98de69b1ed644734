package org.hybridstore.switchover.internal;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotificationEmitter;
import javax.management.StandardEmitterMBean;
import org.hybridstore.switchover.HybridOrderStoreMXBean;

/**
 * Registers the store's MXBean with descriptions: an MXBean interface alone gives JConsole and
 * VisualVM each attribute's name as its description, "p0" as parameter name and UNKNOWN impact.
 */
final class DescribedMXBean extends StandardEmitterMBean {
  DescribedMXBean(HybridOrderStoreMXBean bean, NotificationEmitter emitter) {
    super(bean, HybridOrderStoreMXBean.class, true, emitter);
  }

  @Override
  protected String getDescription(MBeanInfo info) {
    return "One HybridOrderStore: its consistency mode (STRONG, DEGRADED), why and since when, "
        + "health of etcd, reconcile backlog and write counters. Notification jmx.attribute.change on Mode.";
  }

  @Override
  protected String getDescription(MBeanAttributeInfo info) {
    return StoreDescriptions.attribute(info.getName());
  }

  @Override
  protected String getDescription(MBeanOperationInfo info) {
    return StoreDescriptions.operation(info.getName());
  }

  @Override
  protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
    return "forceDegrade".equals(op.getName()) ? "reason" : param.getName();
  }

  @Override
  protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
    return "forceDegrade".equals(op.getName())
        ? "recorded as the transition reason"
        : param.getDescription();
  }

  @Override
  protected int getImpact(MBeanOperationInfo info) {
    return MBeanOperationInfo.ACTION;
  }
}
