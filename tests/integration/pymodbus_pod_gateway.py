#!/usr/bin/python3
"""A pod power gateway served by python3-pymodbus, an implementation we did not
write, standing in for a real device on a bench (docs/register-maps.md, pod_gateway).

    pymodbus_pod_gateway.py PORT

Input registers hold a pod drawing 0.9 MW of its 1.05 MW; holding registers take
writes. Every write is printed as "write ADDRESS VALUES" and the first read of each
table as "read input" / "read holding", so a test can see what the controller did.
"""
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartTcpServer


def int32(kw):
    raw = kw & 0xFFFFFFFF
    return [raw >> 16, raw & 0xFFFF]  # high word first


class Logged(ModbusSequentialDataBlock):
    def __init__(self, name, values):
        super().__init__(0, values)
        self.name = name
        self.read_seen = False

    def getValues(self, address, count=1):
        if not self.read_seen:
            self.read_seen = True
            print(f"read {self.name}", flush=True)
        return super().getValues(address, count)

    def setValues(self, address, values):
        if self.name == "holding":
            print(f"write {address} {list(values)}", flush=True)
        super().setValues(address, values)


def main():
    port = int(sys.argv[1])
    # device_heartbeat, status, power 900 kW, cap in effect 1050, floor 0, compute 1050,
    # min cap 450, iteration phase 65535 (no iteration: not a training pod)
    inputs = [7, 0] + int32(900) + int32(1050) + int32(0) + int32(1050) + int32(450) + [65535]
    holding = [0] * 9  # controller heartbeat, timeout, cap, floor, safe cap, owner epoch
    store = ModbusSlaveContext(ir=Logged("input", inputs), hr=Logged("holding", holding),
                               zero_mode=True)
    context = ModbusServerContext(slaves={1: store}, single=False)
    print(f"serving on 127.0.0.1:{port}", flush=True)
    StartTcpServer(context=context, address=("127.0.0.1", port))


if __name__ == "__main__":
    main()
