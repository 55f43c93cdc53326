"""Inter-agency exchange (plain Python): the edXML codec of QCVN 102:2016.

``exchange.model`` holds the messages as frozen values, ``exchange.edxml``
builds and parses them (refusing hostile input with ``ExchangeRefused``),
``exchange.codes`` the code lists with their verification tags. Transports
come later in issue 7.
"""
