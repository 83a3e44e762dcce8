<?xml version="1.0" encoding="UTF-8"?>
<!-- The test catalog's indexes, named as Bib-1 names them (Zebra's bib1.att), so that CQL
     (pqf.properties) and Z39.50 (Bib-1 use attributes) reach the same ones. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:m="http://www.loc.gov/MARC21/slim" xmlns:z="http://indexdata.com/zebra-2.0">
  <xsl:output indent="yes" method="xml" encoding="UTF-8"/>
  <xsl:template match="text()"/>
  <xsl:template match="/">
    <z:record z:id="{//m:controlfield[@tag='001']}" z:type="update">
      <z:index name="Local-number:w"><xsl:value-of select="//m:controlfield[@tag='001']"/></z:index>
      <xsl:apply-templates select="//m:datafield"/>
    </z:record>
  </xsl:template>
  <xsl:template match="m:datafield[@tag='010']">
    <z:index name="LC-card-number:w"><xsl:value-of select="m:subfield[@code='a']"/></z:index>
  </xsl:template>
  <xsl:template match="m:datafield[@tag='020']">
    <z:index name="ISBN:w"><xsl:value-of select="m:subfield[@code='a']"/></z:index>
  </xsl:template>
  <xsl:template match="m:datafield[@tag='022']">
    <z:index name="ISSN:w"><xsl:value-of select="m:subfield[@code='a']"/></z:index>
  </xsl:template>
  <xsl:template match="m:datafield[@tag='035']">
    <z:index name="OCLC-number:w"><xsl:value-of select="m:subfield[@code='a']"/></z:index>
  </xsl:template>
  <xsl:template match="m:datafield[@tag='245']">
    <z:index name="Title:w"><xsl:value-of select="m:subfield[@code='a']"/> <xsl:value-of select="m:subfield[@code='b']"/></z:index>
  </xsl:template>
  <xsl:template match="m:datafield[@tag='100' or @tag='110' or @tag='700']">
    <z:index name="Author:w"><xsl:value-of select="m:subfield[@code='a']"/></z:index>
  </xsl:template>
</xsl:stylesheet>
