/** LoLDU (spec ../shared/methods/04-svd-inits-pissa-svfit-salt-loldu.md D) as an adapter variant: a trainable diagonal and scalar over the first pivots of W's pivoted LU. */
package org.lowrank4j.adapt.loldu;
