/** Events a store publishes to its listeners, such as a change of consistency mode. */
package org.hybridstore.event;
