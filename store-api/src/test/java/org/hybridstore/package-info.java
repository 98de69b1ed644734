/** Tests and shared test fixtures of the public API. */
package org.hybridstore;
